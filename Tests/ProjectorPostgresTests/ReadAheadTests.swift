import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorTesting
import Testing

/// Streamed reads (one query, many batches) and the read-ahead used while catching up.
@Suite(.timeLimit(.minutes(2))) struct ReadAheadTests {
    /// Inserts `count` events over a few streams, in transactions of 50.
    func fill(_ migrated: MigratedTable, count: Int, on connection: PostgresConnection) async throws {
        let streams = (0..<5).map { _ in TestEvent.uuid() }
        var seqs = [Int](repeating: 0, count: streams.count)
        var events: [TestEvent] = []
        for index in 0..<count {
            let stream = index % streams.count
            seqs[stream] += 1
            events.append(TestEvent(stream: streams[stream], seq: seqs[stream], type: "tick", data: ["n": .int(index)]))
        }
        for start in stride(from: 0, to: count, by: 50) {
            try await migrated.table.insert(
                Array(events[start..<min(count, start + 50)]), on: connection, logger: PostgresTesting.logger)
        }
    }

    @Test func streamBatchesSplitsOneReadAndMarksFullness() async throws {
        try await withMigratedTable(shape: .seed(partitions: 4)) { migrated, connection in
            try await fill(migrated, count: 25, on: connection)
            let reader = migrated.database.reader
            var sizes: [(Int, Bool)] = []
            try await reader.streamBatches(after: .start, batchSize: 10, limit: 25) { batch in
                sizes.append((batch.events.count, batch.isFull))
                return true
            }
            // The read hit its limit: every batch is full (read again at once).
            #expect(sizes.map(\.0) == [10, 10, 5])
            #expect(sizes.allSatisfy { $0.1 })

            sizes = []
            try await reader.streamBatches(after: .start, batchSize: 5, limit: 40) { batch in
                sizes.append((batch.events.count, batch.isFull))
                return true
            }
            // 25 < 40: the fifth batch of five is the last one and not full, though it has five events.
            #expect(sizes.map(\.0) == [5, 5, 5, 5, 5])
            #expect(sizes.map(\.1) == [true, true, true, true, false])

            let all = try await readAll(reader)
            var streamed: [Event] = []
            let last = try await reader.streamBatches(after: .start, batchSize: 7, limit: 100) { batch in
                streamed += batch.events
                return true
            }
            #expect(streamed == all)
            #expect(last?.isFull == false)
        }
    }

    @Test func readAheadDeliversEverythingInOrderAcrossQueries() async throws {
        try await withMigratedTable(shape: .seed(partitions: 4)) { migrated, connection in
            try await fill(migrated, count: 500, on: connection)
            let reader = migrated.database.reader
            let all = try await readAll(reader)
            #expect(all.count == 500)
            // Batches of 7 make queries of 140 events: four queries, the last one short.
            var delivered: [Event] = []
            var batches: [EventBatch] = []
            let last = try await reader.readAhead(after: .start, batchSize: 7) { batch in
                delivered += batch.events
                batches.append(batch)
                return true
            }
            #expect(delivered.map(\.cursor) == all.map(\.cursor))
            #expect(delivered == all)
            #expect(batches.dropLast().allSatisfy { $0.isFull && $0.events.count == 7 })
            #expect(last?.isFull == false)
            #expect(batches.allSatisfy { $0.watermark > 0 })
        }
    }

    @Test(arguments: [true, false])
    func aConsumerUsingTheOnlyPooledConnectionNeverDeadlocks(streaming: Bool) async throws {
        try await withMigratedTable(shape: .seed(partitions: 4), configure: { $0.postgres.maxConnections = 1 }) {
            migrated, connection in
            try await fill(migrated, count: 300, on: connection)
            var reader = migrated.database.reader
            if !streaming { reader.streamingConnection = nil }
            #expect((reader.streamingConnection != nil) == streaming)
            var delivered = 0
            try await reader.readAhead(after: .start, batchSize: 10) { batch in
                // Like a checkpoint commit: needs the pool while the next batch is being read.
                _ = try await reader.headCursor()
                delivered += batch.events.count
                return true
            }
            #expect(delivered == 300)
        }
    }

    @Test func aStoppedReadAheadResumesFromTheConsumersCursorWithoutGaps() async throws {
        try await withMigratedTable(shape: .seed(partitions: 4)) { migrated, connection in
            try await fill(migrated, count: 300, on: connection)
            let reader = migrated.database.reader
            var first: [Event] = []
            var calls = 0
            let stoppedAt = try await reader.readAhead(after: .start, batchSize: 10) { batch in
                first += batch.events
                calls += 1
                return calls < 3
            }
            // Exactly what the consumer took: the batch read ahead was dropped, not delivered.
            #expect(calls == 3)
            #expect(first.count == 30)
            let cursor = try #require(stoppedAt?.lastCursor)
            var rest: [Event] = []
            try await reader.readAhead(after: cursor, batchSize: 10) { batch in
                rest += batch.events
                return true
            }
            let all = try await readAll(reader)
            #expect((first + rest).map(\.cursor) == all.map(\.cursor))
        }
    }

    @Test func consumerErrorsPassThroughUnchanged() async throws {
        struct ConsumerBroke: Error {}
        try await withMigratedTable(shape: .seed(partitions: 4)) { migrated, connection in
            try await fill(migrated, count: 100, on: connection)
            var calls = 0
            await #expect(throws: ConsumerBroke.self) {
                try await migrated.database.reader.readAhead(after: .start, batchSize: 10) { _ in
                    calls += 1
                    if calls == 2 { throw ConsumerBroke() }
                    return true
                }
            }
            #expect(calls == 2)
        }
    }

    @Test func aTailerStoppedWhileCatchingUpRestartsWhereItsConsumerWas() async throws {
        try await withMigratedTable(shape: .seed(partitions: 4)) { migrated, connection in
            try await fill(migrated, count: 400, on: connection)
            let tailer = EventTailer(
                reader: migrated.database.reader, notifier: nil,
                configuration: .init(batchSize: 10, pollInterval: .milliseconds(50)), logger: PostgresTesting.logger)
            var first: [Event] = []
            try await tailer.run(from: .start) { batch in
                first += batch.events
                return first.count >= 120 ? .stop : .continue
            }
            #expect(first.count == 120)
            let cursor = try #require(first.last?.cursor)
            var rest: [Event] = []
            try await tailer.run(from: cursor) { batch in
                rest += batch.events
                return first.count + rest.count >= 400 ? .stop : .continue
            }
            let all = try await readAll(migrated.database.reader)
            #expect((first + rest).map(\.cursor) == all.map(\.cursor))
        }
    }
}
