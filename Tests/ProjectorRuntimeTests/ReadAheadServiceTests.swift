import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorRuntime
import ProjectorTesting
import Synchronization
import Testing

/// The service while it catches up with read-ahead (the next batch read during the current one's writes): the
/// checkpoint never passes what the store confirmed, and shutdown mid-catch-up loses and repeats nothing.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ReadAheadServiceTests {
    /// Wraps the real store; before each write, checks that the committed checkpoint is below every event the write
    /// carries (its documents' `_projector.c`), i.e. no batch was checkpointed before its documents were written.
    final class CheckpointProbe: ViewStore {
        let inner: any ViewStore
        let checkpoints: CheckpointStore
        let projection: String
        let violations = Mutex<[String]>([])
        let writes = Atomic<Int>(0)

        init(inner: any ViewStore, checkpoints: CheckpointStore, projection: String) {
            self.inner = inner
            self.checkpoints = checkpoints
            self.projection = projection
        }

        func fetch(_ keys: [String]) async throws -> [String: StoredDocument] { try await inner.fetch(keys) }

        func apply(_ writes: [DocumentWrite]) async throws -> [WriteOutcome] {
            let committed = try await checkpoints.read(projection)?.cursor ?? .start
            for case .upsert(let key, let body, _) in writes {
                let metadata = DocumentMetadata(json: body.objectValue?[Projection.metadataField])
                if let cursor = metadata.cursor, cursor <= committed {
                    violations.withLock { $0.append("\(key): wrote \(cursor) with the checkpoint at \(committed)") }
                }
            }
            self.writes.add(1, ordering: .relaxed)
            return try await inner.apply(writes)
        }
    }

    static func counter(_ harness: RuntimeHarness) throws -> Projection {
        try harness.projection(
            """
            projection: ahead_\(harness.suffix)
            version: 1
            target:
              opensearch:
                index: ahead_\(harness.suffix)
            initial: '{"id": $key, "count": 0, "seqs": []}'
            on:
              tick:
                set: { count: $doc.count + 1, seqs: '$append($doc.seqs, $event.seq)' }
            """)
    }

    /// `streams` streams with `perStream` events each, interleaved, in transactions of 100.
    static func fill(_ harness: RuntimeHarness, streams: Int, perStream: Int, on connection: PostgresConnection)
        async throws
    {
        let ids = (0..<streams).map { _ in TestEvent.uuid() }
        var events: [TestEvent] = []
        for seq in 1...perStream {
            for id in ids { events.append(TestEvent(stream: id, seq: seq, type: "tick")) }
        }
        for start in stride(from: 0, to: events.count, by: 100) {
            try await harness.table.insert(
                Array(events[start..<min(events.count, start + 100)]), on: connection, logger: RuntimeHarness.logger)
        }
    }

    /// Every stream's document counts each of its events once, in seq order.
    static func expectExactlyOnce(_ harness: RuntimeHarness, _ projection: Projection) async throws {
        let streams = try await harness.eventsByStream()
        try await ViewStores.withViewStores(
            configuration: harness.configuration, environment: RuntimeHarness.environment, logger: RuntimeHarness.logger
        ) { stores in
            let store = try await stores.store(for: projection, prepare: false)
            let documents = try await store.fetch(Array(streams.keys))
            for (stream, events) in streams {
                let expected: JSONValue = [
                    "id": .string(stream), "count": .int(events.count),
                    "seqs": .array(events.map { .int(Int($0.seq)) }),
                ]
                #expect(visible(documents[stream]?.body) == expected, "stream \(stream)")
            }
        }
    }

    /// Also with `overlapWrites`: a batch's writes in flight while the next batch folds.
    @Test(arguments: [false, true])
    func theCheckpointNeverPassesWhatTheStoreConfirmed(overlapWrites: Bool) async throws {
        try await RuntimeHarness.with(batchSize: 50) { harness, connection in
            try await Self.fill(harness, streams: 20, perStream: 60, on: connection)
            let projection = try Self.counter(harness)
            try await ViewStores.withViewStores(
                configuration: harness.configuration, environment: RuntimeHarness.environment,
                logger: RuntimeHarness.logger
            ) { stores in
                let probe = CheckpointProbe(
                    inner: try await stores.store(for: projection), checkpoints: harness.database.checkpoints,
                    projection: projection.name)
                var settings = ProjectionSupervisor.Configuration()
                settings.once = true
                settings.overlapWrites = overlapWrites
                let supervisor = ProjectionSupervisor(
                    projection: projection, database: harness.database, notifier: nil, store: probe,
                    metrics: ProjectorMetrics(), board: StatusBoard(), owner: "probe", configuration: settings,
                    logger: RuntimeHarness.logger)
                try await supervisor.run()
                #expect(probe.violations.withLock { $0 } == [])
                // 1,200 events in batches of 50: the catch-up ran through many read-ahead batches.
                #expect(probe.writes.load(ordering: .relaxed) >= 24)
            }
            let head = try await harness.database.reader.headCursor()
            #expect(try await harness.database.checkpoints.read(projection.name)?.cursor == head)
            try await Self.expectExactlyOnce(harness, projection)
        }
    }

    @Test func shutdownWhileCatchingUpLosesAndRepeatsNothing() async throws {
        try await RuntimeHarness.with(batchSize: 20) { harness, connection in
            try await Self.fill(harness, streams: 50, perStream: 60, on: connection)
            let projection = try Self.counter(harness)
            let service = harness.start([projection])
            // Stop once the catch-up is under way but far from done.
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                if let row = try await harness.database.checkpoints.read(projection.name), row.cursor != .start {
                    break
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            let stopping = ContinuousClock.now
            service.cancel()
            _ = try? await service.value
            #expect(ContinuousClock.now - stopping < .seconds(10))
            let head = try #require(try await harness.database.reader.headCursor())
            let stopped = try #require(try await harness.database.checkpoints.read(projection.name)?.cursor)
            #expect(stopped > .start)
            // Then a second run finishes the job: every event applied exactly once.
            try await harness.runOnce([projection])
            #expect(try await harness.database.checkpoints.read(projection.name)?.cursor == head)
            try await Self.expectExactlyOnce(harness, projection)
        }
    }
}
