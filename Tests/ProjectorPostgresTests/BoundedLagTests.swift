import ProjectorCore
import ProjectorPostgres
import ProjectorTesting
import Testing

/// `EventReader.lag(after:filter:limit:)`: the bounded count the service uses while catching up.
@Suite struct BoundedLagTests {
    @Test func limitCapsTheCountAndKeepsTheFilter() async throws {
        try await withMigratedTable(shape: .seed(partitions: 4)) { migrated, connection in
            let stream = TestEvent.uuid()
            try await migrated.table.insert(
                streamEvents(stream, seqs: 1...6) + streamEvents(TestEvent.uuid(), seqs: 1...3, type: "other"),
                on: connection, logger: PostgresTesting.logger)
            let reader = migrated.database.reader
            let events = try await readUntil(reader, count: 9, batchSize: 100)

            let capped = try await reader.lag(after: events[1].cursor, limit: 3)
            #expect(capped.events == 3)
            #expect(capped.seconds >= 0)
            #expect(try await reader.lag(after: events[1].cursor, limit: 100).events == 7)
            #expect(try await reader.lag(after: events[1].cursor).events == 7)

            let happened = EventFilter(types: ["happened"])
            let all = try await reader.lag(after: .start, filter: happened)
            #expect(all.events == 6)
            #expect(try await reader.lag(after: .start, filter: happened, limit: 4).events == 4)
            #expect(try await reader.lag(after: .start, filter: happened, limit: 50).events == 6)

            let end = try #require(events.last).cursor
            #expect(try await reader.lag(after: end, limit: 10) == EventLag(events: 0, seconds: 0))
        }
    }
}
