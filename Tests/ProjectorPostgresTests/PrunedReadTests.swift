import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorTesting
import Testing

/// A filter with data fields reads only those fields of `data` (and the type's key): present values exactly as in
/// the whole payload (also JSON null), absent keys absent, edd tags decoded — on pooled, live and catch-up reads.
@Suite(.timeLimit(.minutes(2))) struct PrunedReadTests {
    @Test(arguments: [EventEncoding.plain, .edd])
    func onlyTheNamedFieldsAreReadAndTheyMatchTheWholePayload(encoding: EventEncoding) async throws {
        try await withMigratedTable(shape: .seed(partitions: 4), encoding: encoding) { migrated, connection in
            let stream = TestEvent.uuid()
            let tag = encoding == .edd ? ":" : ""
            let events = [
                TestEvent(
                    stream: stream, seq: 1, type: tag + "opened",
                    data: [
                        "amount": 5, "owner": .string(tag + "ann"), "note": .null, "nested": ["a": [1, 2]],
                        "padding": .string(String(repeating: "x", count: 400)),
                    ]),
                TestEvent(stream: stream, seq: 2, type: tag + "closed", data: ["padding": "y"]),
            ]
            try await migrated.table.insert(events, on: connection, logger: PostgresTesting.logger)
            let reader = migrated.database.reader
            let whole = try await reader.readBatch(after: .start, limit: 10).events
            #expect(whole.count == 2)

            let filter = EventFilter(dataFields: ["amount", "owner", "note", "nested", "missing"])
            let pooled = try await reader.readBatch(after: .start, limit: 10, filter: filter).events
            let read = try #require(try await reader.openReadConnection())
            defer { Task { try? await read.close() } }
            let live = try await reader.readBatch(after: .start, limit: 10, filter: filter, on: read).events
            var caughtUp: [Event] = []
            try await reader.readAhead(after: .start, batchSize: 1, filter: filter, on: read) { batch in
                caughtUp += batch.events
                return true
            }
            for pruned in [pooled, live, caughtUp] {
                #expect(pruned.map(\.cursor) == whole.map(\.cursor))
                #expect(pruned.map(\.type) == ["opened", "closed"])
                let first = try #require(pruned.first?.data.objectValue)
                #expect(first.keys.sorted() == ["amount", "event-id", "nested", "note", "owner"])
                for key in first.keys { #expect(first[key] == whole[0].data[key], "\(key)") }
                #expect(first["owner"] == "ann")
                #expect(first["note"] == .null)
                let second = try #require(pruned.last?.data.objectValue)
                #expect(second.keys.sorted() == ["event-id"])
            }
        }
    }
}
