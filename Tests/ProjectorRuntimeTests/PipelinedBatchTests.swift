import ProjectorCore
import ProjectorPostgres
import ProjectorRuntime
import Synchronization
import Testing

/// ``BatchProcessor/submit(_:)`` against osmem-server: one batch's writes in flight while the next folds. A batch is
/// reported (so checkpointed) only after its writes were confirmed, in order; a failed write stops every later batch;
/// a batch sharing a document with the one in flight folds on its confirmed state. (The service with
/// `overlapWrites` is checked in ``ReadAheadServiceTests``.)
@Suite(.serialized, .timeLimit(.minutes(2)))
struct PipelinedBatchTests {
    /// The real store, with its `failing`-th write request (1-based) failing after it reached the store, and a
    /// record of the keys of every write request in order.
    final class WriteLog: ViewStore {
        struct Failure: Error {}

        let inner: any ViewStore
        let failing: Int?
        let requests = Mutex<[[String]]>([])

        init(inner: any ViewStore, failing: Int? = nil) {
            self.inner = inner
            self.failing = failing
        }

        func fetch(_ keys: [String]) async throws -> [String: StoredDocument] { try await inner.fetch(keys) }

        func apply(_ writes: [DocumentWrite]) async throws -> [WriteOutcome] {
            let number = requests.withLock { requests in
                requests.append(writes.map(\.key))
                return requests.count
            }
            if number == failing { throw Failure() }
            return try await inner.apply(writes)
        }
    }

    /// Counts `tick` events per stream; `increment` is the JSONata added per event.
    static func counter(_ harness: RuntimeHarness, increment: String = "1") throws -> Projection {
        try harness.projection(
            """
            projection: piped_\(harness.suffix)
            version: 1
            target: { opensearch: { index: piped_\(harness.suffix) } }
            initial: '{"id": $key, "count": 0}'
            on:
              tick:
                set: { count: '$doc.count + \(increment)' }
            on_error: stop
            """)
    }

    /// One event per (stream, seq), at consecutive positions starting after `position`.
    static func events(_ streams: [(String, Int64)], after position: Int64) -> [Event] {
        streams.enumerated().map { offset, entry in
            Event(
                id: "\(entry.0)-\(entry.1)", type: "tick", stream: entry.0, seq: entry.1, service: "svc",
                cursor: EventCursor(transactionID: 10, position: position + Int64(offset) + 1),
                createdAt: "2026-01-01T00:00:00Z", data: [:])
        }
    }

    static func withProcessor(
        increment: String = "1",
        failing: Int? = nil,
        _ body: (inout BatchProcessor, WriteLog, any ViewStore) async throws -> Void
    ) async throws {
        try await RuntimeHarness.with { harness, _ in
            let projection = try counter(harness, increment: increment)
            try await ViewStores.withViewStores(
                configuration: harness.configuration, environment: RuntimeHarness.environment,
                logger: RuntimeHarness.logger
            ) { stores in
                let store = try await stores.store(for: projection)
                let log = WriteLog(inner: store, failing: failing)
                var processor = BatchProcessor(
                    projection: projection, store: log, readStream: { _, _ in [] }, deadLetter: { _, _ in },
                    logger: RuntimeHarness.logger)
                try await body(&processor, log, store)
            }
        }
    }

    @Test func reportsComeInOrderAndOnlyAfterTheirWritesWereConfirmed() async throws {
        try await Self.withProcessor { processor, log, _ in
            let first = Self.events([("a", 1), ("b", 1)], after: 0)
            let second = Self.events([("c", 1), ("d", 1)], after: 2)
            #expect(try await processor.submit(first).isEmpty)
            #expect(processor.isWriting)
            let afterSecond = try await processor.submit(second)
            #expect(afterSecond.map(\.checkpoint) == [first.last?.cursor])
            #expect(log.requests.withLock { $0 }.first == ["a", "b"])
            let last = try #require(try await processor.drain())
            #expect(last.checkpoint == second.last?.cursor)
            #expect(last.written == 2)
            #expect(!processor.isWriting)
        }
    }

    @Test func aFailedWriteInFlightStopsEveryLaterBatch() async throws {
        try await Self.withProcessor(failing: 2) { processor, log, store in
            let first = Self.events([("a", 1)], after: 0)
            let second = Self.events([("b", 1)], after: 1)
            let third = Self.events([("c", 1)], after: 2)
            _ = try await processor.submit(first)
            #expect(try await processor.submit(second).map(\.checkpoint) == [first.last?.cursor])
            // The second batch's write fails: submitting the third throws and reports nothing, so no checkpoint
            // passes the second batch, and the third batch's writes are never sent.
            await #expect(throws: WriteLog.Failure.self) { _ = try await processor.submit(third) }
            await processor.abandon()
            #expect(!processor.isWriting)
            #expect(log.requests.withLock { $0 } == [["a"], ["b"]])
            let stored = try await store.fetch(["a", "b", "c"])
            #expect(stored["a"] != nil)
            #expect(stored["b"] == nil)
            #expect(stored["c"] == nil)
        }
    }

    @Test func aBatchSharingADocumentWithTheOneInFlightFoldsOnItsConfirmedState() async throws {
        try await Self.withProcessor { processor, _, store in
            let first = Self.events([("a", 1), ("b", 1)], after: 0)
            let second = Self.events([("a", 2), ("c", 1)], after: 2)
            _ = try await processor.submit(first)
            let reports = try await processor.submit(second)
            #expect(reports.map(\.checkpoint) == [first.last?.cursor])
            let last = try #require(try await processor.drain())
            #expect(last.conflicts == 0)
            #expect(last.written == 2)
            let stored = try await store.fetch(["a"])
            #expect(visible(stored["a"]?.body) == ["id": "a", "count": 2])
        }
    }

    @Test func aStoppedBatchIsFinishedAtOnceAfterTheOneInFlight() async throws {
        try await Self.withProcessor(increment: #"($event.data.bad ? $error("bad event") : 1)"#) { processor, _, _ in
            let first = Self.events([("a", 1)], after: 0)
            var second = Self.events([("b", 1), ("c", 1)], after: 1)
            second[1].data = ["bad": true]
            _ = try await processor.submit(first)
            let reports = try await processor.submit(second)
            #expect(reports.map(\.checkpoint) == [first.last?.cursor, second[0].cursor])
            #expect(reports.last?.stoppedAt == second[1].cursor)
            #expect(!processor.isWriting)
        }
    }
}
