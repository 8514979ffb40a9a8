import PostgresNIO
import ProjectorCore
@testable import ProjectorPostgres
import ProjectorTesting
import Testing

/// Reads on a read connection run as one prepared statement with a generic plan that walks the `(tx_id, position)`
/// index in order, also with a filter whose selectivity the planner cannot estimate (where it would otherwise sort
/// every row after the cursor).
@Suite(.timeLimit(.minutes(2))) struct CatchUpPlanTests {
    @Test(arguments: [0, 4])
    func filteredReadsArePreparedOnceAndWalkTheIndexWithoutSorting(partitions: Int) async throws {
        try await withMigratedTable(shape: .seed(partitions: partitions)) { migrated, connection in
            let stream = TestEvent.uuid()
            let events = (1...2_000).map { TestEvent(stream: stream, seq: $0, type: $0 % 2 == 0 ? "even" : "odd") }
            try await migrated.table.insert(events, on: connection, logger: PostgresTesting.logger)
            try await connection.query(
                PostgresQuery(unsafeSQL: "ANALYZE \(migrated.database.layout.table.quoted)"),
                logger: PostgresTesting.logger)
            let reader = migrated.database.reader
            let read = try #require(try await reader.openReadConnection())
            defer { Task { try? await read.close() } }
            #expect(try await setting("enable_sort", on: read) == "off")
            #expect(try await setting("plan_cache_mode", on: read) == "force_generic_plan")
            #expect(try await setting("jit", on: read) == "off")

            // Three reads from different cursors: one statement, prepared once, three executions of its generic plan.
            let filter = EventFilter(services: ["svc"], types: ["even"])
            var delivered: [Int64] = []
            var cursor = EventCursor.start
            for _ in 1...3 {
                let batch = try await reader.readBatch(after: cursor, limit: 300, filter: filter, on: read)
                delivered += batch.events.map(\.seq)
                cursor = try #require(batch.lastCursor)
            }
            #expect(delivered == Array(stride(from: 2, through: 1_800, by: 2)))
            var statements: [(String, Int64, Int64)] = []
            let prepared = PostgresQuery(
                unsafeSQL: "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements")
            for try await row in try await read.query(prepared, logger: PostgresTesting.logger)
                .decode((String, Int64, Int64).self)
            {
                statements.append(row)
            }
            #expect(statements.count == 1)
            let statement = try #require(statements.first)
            #expect(statement.0.hasPrefix("projector_read_"))
            #expect(statement.1 == 3 && statement.2 == 0, "generic/custom plans: \(statement.1)/\(statement.2)")

            // That generic plan: index scans in order, no Sort node (only the "Sort Key" of a Merge Append over the
            // partitions' index scans).
            let layout = migrated.database.layout
            let types = layout.storedTypeSpellings(["even"]).map { "\"\($0)\"" }.joined(separator: ",")
            let explain = """
                EXPLAIN EXECUTE \(statement.0)('0', 0, '{svc}', '\(layout.typeKey)', '{\(types)}')
                """
            let plan = try await lines(explain, on: read)
            #expect(plan.contains { $0.contains("Index Scan") }, "\(plan)")
            #expect(!plan.contains { $0.contains("Sort  (") }, "\(plan)")

            // Catch-up reads stream on such a connection too and still deliver the filtered events in order.
            delivered = []
            try await reader.readAhead(after: .start, batchSize: 300, filter: filter) { batch in
                delivered += batch.events.map(\.seq)
                return true
            }
            #expect(delivered == Array(stride(from: 2, through: 2_000, by: 2)))
        }
    }

    private func setting(_ name: String, on connection: PostgresConnection) async throws -> String? {
        try await lines("SHOW \(name)", on: connection).first
    }

    private func lines(_ sql: String, on connection: PostgresConnection) async throws -> [String] {
        var lines: [String] = []
        for try await line in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: PostgresTesting.logger)
            .decode(String.self)
        {
            lines.append(line)
        }
        return lines
    }
}
