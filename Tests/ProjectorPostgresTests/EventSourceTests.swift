import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorTesting
import Testing

@Suite struct EventSourceTests {
    @Test(arguments: [1, 1000])
    func openTransactionHoldsBackLaterEventsUntilItCommits(batchSize: Int) async throws {
        try await withMigratedTable(shape: .seed(partitions: 4)) { migrated, other in
            guard let url = migrated.configuration.postgres.url else { return }
            let reader = migrated.database.reader
            let slow = TestEvent.uuid()
            let fast = TestEvent.uuid()
            try await PostgresTesting.withConnection(url) { open in
                try await execute("BEGIN", on: open)
                try await migrated.table.insert(
                    streamEvents(slow, seqs: 1...1), on: open, logger: PostgresTesting.logger)
                try await migrated.table.insert(
                    streamEvents(fast, seqs: 1...3), on: other, logger: PostgresTesting.logger)
                // The open transaction's id is below the later ones: nothing past it may be delivered.
                let whileOpen = try await readAll(reader, batchSize: batchSize)
                #expect(whileOpen.isEmpty)
                let batch = try await reader.readBatch(after: .start, limit: batchSize)
                #expect(batch.eventsAboveWatermark)
                try await execute("COMMIT", on: open)
            }
            let events = try await readUntil(reader, count: 4, batchSize: batchSize)
            #expect(events.map(\.stream) == [slow, fast, fast, fast])
            #expect(events.map(\.cursor) == events.map(\.cursor).sorted())
        }
    }

    /// A takes its transaction id first (writing elsewhere), B commits seq 1 of X, then A
    /// commits seq 2 of X. Delivery is in (tx_id, position) order, so seq 2 (A, the older
    /// transaction) comes before seq 1. The engine restores stream order (DESIGN.md §3): it
    /// sees seq 2 after last-applied 0 — a gap — and refolds X from the log with
    /// `streamEvents`, which returns 1, 2; the late seq 1 is then a duplicate and skipped.
    @Test func xidFirstInterleavingDeliversBothInTransactionOrder() async throws {
        try await withMigratedTable(shape: .seed(partitions: 4)) { migrated, b in
            guard let url = migrated.configuration.postgres.url else { return }
            let x = TestEvent.uuid()
            try await PostgresTesting.withConnection(url) { a in
                try await execute("BEGIN", on: a)
                try await execute("SELECT pg_current_xact_id()", on: a)  // A's xid is taken now
                try await migrated.table.insert(streamEvents(x, seqs: 1...1), on: b, logger: PostgresTesting.logger)
                try await migrated.table.insert(streamEvents(x, seqs: 2...2), on: a, logger: PostgresTesting.logger)
                try await execute("COMMIT", on: a)
            }
            let delivered = try await readUntil(migrated.database.reader, count: 2, batchSize: 100)
            #expect(delivered.map(\.seq) == [2, 1])
            #expect(delivered[0].cursor.transactionID < delivered[1].cursor.transactionID)
            #expect(delivered[0].cursor.position > delivered[1].cursor.position)
            let refold = try await migrated.database.reader.streamEvents(service: "svc", stream: x)
            #expect(refold.map(\.seq) == [1, 2])
            let tail = try await migrated.database.reader.streamEvents(service: "svc", stream: x, afterSeq: 1)
            #expect(tail.map(\.seq) == [2])
        }
    }

    @Test func rolledBackInsertsDoNotStallTheSource() async throws {
        try await withMigratedTable(shape: .seed(partitions: 4)) { migrated, connection in
            let stream = TestEvent.uuid()
            for seq in 1...5 {
                try await execute("BEGIN", on: connection)
                try await migrated.table.insert(
                    streamEvents(TestEvent.uuid(), seqs: 1...2), on: connection, logger: PostgresTesting.logger)
                try await execute("ROLLBACK", on: connection)
                try await migrated.table.insert(
                    streamEvents(stream, seqs: seq...seq), on: connection, logger: PostgresTesting.logger)
            }
            let events = try await readUntil(migrated.database.reader, count: 5, batchSize: 2)
            #expect(events.map(\.seq) == [1, 2, 3, 4, 5])
            // Burnt positions leave gaps but nothing is invented.
            #expect(events.allSatisfy { $0.stream == stream })
            let head = try await migrated.database.reader.headCursor()
            #expect(head == events.last?.cursor)
        }
    }

    @Test func eddEncodingIsDecodedAndTypeFiltersMatchTheDecodedType() async throws {
        try await withMigratedTable(shape: .seed(partitions: 0), encoding: .edd) { migrated, connection in
            let stream = TestEvent.uuid()
            try await migrated.table.insert(
                [
                    TestEvent(stream: stream, seq: 1, type: ":user-created", data: ["user": "#abc", "tag": "::kw"]),
                    TestEvent(stream: stream, seq: 2, type: ":user-renamed", data: ["list": [":a", "##b", "c"]]),
                ], on: connection, logger: PostgresTesting.logger)
            let events = try await readUntil(migrated.database.reader, count: 2, batchSize: 10)
            #expect(events.map(\.type) == ["user-created", "user-renamed"])
            #expect(events[0].data["user"] == "abc")
            #expect(events[0].data["tag"] == ":kw")
            #expect(events[1].data["list"] == ["a", "#b", "c"])
            let filtered = try await migrated.database.reader.readBatch(
                after: .start, limit: 10, filter: EventFilter(services: ["svc"], types: ["user-renamed"]))
            #expect(filtered.events.map(\.seq) == [2])
            let otherService = try await migrated.database.reader.readBatch(
                after: .start, limit: 10, filter: EventFilter(services: ["nope"]))
            #expect(otherService.events.isEmpty)
        }
    }

    @Test func lagAndCountSeeEventsAfterTheCursor() async throws {
        try await withMigratedTable(shape: .seed(partitions: 4)) { migrated, connection in
            try await migrated.table.insert(
                streamEvents(TestEvent.uuid(), seqs: 1...7), on: connection, logger: PostgresTesting.logger)
            let events = try await readUntil(migrated.database.reader, count: 7, batchSize: 100)
            let lag = try await migrated.database.reader.lag(after: events[2].cursor)
            #expect(lag.events == 4)
            #expect(lag.seconds >= 0)
            #expect(try await migrated.database.reader.countEvents(after: .start) == 7)
            #expect(try await migrated.database.reader.lag(after: events[6].cursor) == EventLag(events: 0, seconds: 0))
        }
    }
}
