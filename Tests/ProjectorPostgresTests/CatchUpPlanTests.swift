import PostgresNIO
import ProjectorCore
@testable import ProjectorPostgres
import ProjectorTesting
import Testing

/// The dedicated connection of catch-up reads walks the `(tx_id, position)` index in order, also with a filter whose
/// selectivity the planner cannot estimate (where it would otherwise sort every row after the cursor).
@Suite(.timeLimit(.minutes(2))) struct CatchUpPlanTests {
    @Test(arguments: [0, 4])
    func filteredCatchUpReadsWalkTheIndexWithoutSorting(partitions: Int) async throws {
        try await withMigratedTable(shape: .seed(partitions: partitions)) { migrated, connection in
            let stream = TestEvent.uuid()
            let events = (1...2_000).map { TestEvent(stream: stream, seq: $0, type: $0 % 2 == 0 ? "even" : "odd") }
            try await migrated.table.insert(events, on: connection, logger: PostgresTesting.logger)
            try await connection.query(
                PostgresQuery(unsafeSQL: "ANALYZE \(migrated.database.layout.table.quoted)"),
                logger: PostgresTesting.logger)
            let reader = migrated.database.reader
            let configuration = EventReader.catchUpConfiguration(try migrated.database.connectionConfiguration())
            let catchUp = try await PostgresConnection.connect(
                configuration: configuration, id: 1, logger: PostgresTesting.logger)
            defer { Task { try? await catchUp.close() } }

            var setting: [String] = []
            for try await value in try await catchUp.query("SHOW enable_sort", logger: PostgresTesting.logger)
                .decode(String.self)
            {
                setting.append(value)
            }
            #expect(setting == ["off"])

            let filter = EventFilter(services: ["svc"], types: ["even"])
            var query = reader.batchQuery(after: .start, limit: 100_000, filter: filter)
            query.sql = "EXPLAIN " + query.sql
            var plan: [String] = []
            for try await line in try await catchUp.query(query, logger: PostgresTesting.logger).decode(String.self) {
                plan.append(line)
            }
            #expect(plan.contains { $0.contains("Index Scan") }, "\(plan)")
            // A Sort node, not the "Sort Key" of a Merge Append over the partitions' index scans.
            #expect(!plan.contains { $0.contains("Sort  (") }, "\(plan)")

            // And the read itself still delivers the filtered events in order.
            var delivered: [Int64] = []
            try await reader.readAhead(after: .start, batchSize: 300, filter: filter) { batch in
                delivered += batch.events.map(\.seq)
                return true
            }
            #expect(delivered == Array(stride(from: 2, through: 2_000, by: 2)))
        }
    }
}
