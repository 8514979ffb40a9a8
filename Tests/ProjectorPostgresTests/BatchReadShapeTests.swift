import PostgresNIO
import ProjectorCore
@testable import ProjectorPostgres
import ProjectorTesting
import Testing

/// A batch read sends its watermark in a row of its own before the events (one record per row): a read that finds
/// nothing still has that row, the decoder refuses events that come before it, and the read connection never plans
/// in parallel (which could interleave the two).
@Suite(.timeLimit(.minutes(1))) struct BatchReadShapeTests {
    @Test func aReadThatFindsNothingStillCarriesTheWatermark() async throws {
        try await withMigratedTable(shape: .seed(partitions: 4)) { migrated, connection in
            let stream = TestEvent.uuid()
            try await migrated.table.insert(
                streamEvents(stream, seqs: 1...30), on: connection, logger: PostgresTesting.logger)
            let reader = migrated.database.reader
            let read = try #require(try await reader.openReadConnection())
            defer { Task { try? await read.close() } }
            let all = try await readUntil(reader, count: 30, batchSize: 100)
            let last = try #require(all.last?.cursor)
            var pruned = EventFilter(types: ["nothing-like-it"])
            pruned.dataFields = ["n"]
            let reads: [(EventCursor, EventFilter)] = [
                (.start, EventFilter(services: ["nobody"])), (.start, pruned), (last, .all),
            ]
            for (cursor, filter) in reads {
                for connection in [nil, read] as [PostgresConnection?] {
                    let batch = try await reader.readBatch(after: cursor, limit: 10, filter: filter, on: connection)
                    #expect(batch.events.isEmpty && !batch.isFull, "\(filter) after \(cursor)")
                    #expect(batch.watermark > last.transactionID, "\(filter) after \(cursor)")
                }
            }
        }
    }

    @Test func anEventBeforeTheWatermarkRowIsRefused() async throws {
        guard let url = try TestServers.databaseURL() else { return }
        let watermark = "ROW('42'::xid8, false)"
        let event = """
            ROW('7'::xid8, 3::int8, 'e1'::text, 'svc'::text, 's1'::text, 2::int8, NULL::timestamptz, \
            '{"event-id": "opened"}'::jsonb)
            """
        try await PostgresTesting.withConnection(url) { connection in
            var decoder = EventRowDecoder(layout: EventRowDecoderTests.layout)
            var events: [Event] = []
            var rows: [PostgresRow] = []
            let sql = "SELECT \(watermark) UNION ALL SELECT \(event)"
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: .init(label: "t")) {
                rows.append(row)
            }
            try #require(rows.count == 2)
            let (mark, above) = try decoder.decodeBatchRow(rows[0], into: &events)
            #expect(mark == 42 && !above && events.isEmpty)
            #expect(try decoder.decode(rows[1]).cursor == EventCursor(transactionID: 7, position: 3))
            let error = #expect(throws: ProjectorPostgresError.self) {
                _ = try decoder.decodeBatchRow(rows[1], into: &events)
            }
            #expect(error?.code == .malformedRow)
            #expect(error.map { "\($0)".contains("before its watermark row") } == true)
            #expect(events.isEmpty)
        }
    }

    @Test func theReadConnectionNeverPlansInParallel() async throws {
        try await withMigratedTable(shape: .seed(partitions: 0)) { migrated, _ in
            let read = try #require(try await migrated.database.reader.openReadConnection())
            defer { Task { try? await read.close() } }
            let rows = try await read.query("SHOW max_parallel_workers_per_gather", logger: PostgresTesting.logger)
            var values: [String] = []
            for try await value in rows.decode(String.self) { values.append(value) }
            #expect(values == ["0"])
        }
    }
}
