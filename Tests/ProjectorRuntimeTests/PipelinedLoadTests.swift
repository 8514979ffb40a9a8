import ProjectorCore
import ProjectorPostgres
import ProjectorRuntime
import Synchronization
import Testing

/// How ``BatchProcessor/submit(_:)`` loads the documents of a batch while another is in flight: cached documents are
/// taken without waiting, a document the batch in flight writes is awaited and then taken from the cache (its
/// confirmed state, not fetched again), and only documents neither cached nor in flight are fetched.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct PipelinedLoadTests {
    /// The real store, recording the keys of every fetch in order.
    final class FetchLog: ViewStore {
        let inner: any ViewStore
        let fetches = Mutex<[[String]]>([])

        init(inner: any ViewStore) { self.inner = inner }

        func fetch(_ keys: [String]) async throws -> [String: StoredDocument] {
            fetches.withLock { $0.append(keys) }
            return try await inner.fetch(keys)
        }

        func apply(_ writes: [DocumentWrite]) async throws -> [WriteOutcome] { try await inner.apply(writes) }
    }

    static func withProcessor(_ body: (inout BatchProcessor, FetchLog, any ViewStore) async throws -> Void)
        async throws
    {
        try await RuntimeHarness.with { harness, _ in
            let projection = try PipelinedBatchTests.counter(harness)
            try await ViewStores.withViewStores(
                configuration: harness.configuration, environment: RuntimeHarness.environment,
                logger: RuntimeHarness.logger
            ) { stores in
                let store = try await stores.store(for: projection)
                let log = FetchLog(inner: store)
                var processor = BatchProcessor(
                    projection: projection, store: log, readStream: { _, _ in [] }, deadLetter: { _, _ in },
                    logger: RuntimeHarness.logger)
                try await body(&processor, log, store)
            }
        }
    }

    @Test func aDocumentInFlightIsTakenFromTheCacheOnceConfirmed() async throws {
        try await Self.withProcessor { processor, log, store in
            // "a" and "b" are written and cached; then "a" goes in flight again with "c".
            _ = try await processor.submit(PipelinedBatchTests.events([("a", 1), ("b", 1)], after: 0))
            _ = try #require(try await processor.drain())
            _ = try await processor.submit(PipelinedBatchTests.events([("a", 2), ("c", 1)], after: 2))
            #expect(processor.isWriting)
            // "b" is cached, "a" is in flight, "d" is new: only "d" is fetched.
            let reports = try await processor.submit(
                PipelinedBatchTests.events([("b", 2), ("a", 3), ("d", 1)], after: 4))
            #expect(reports.map(\.written) == [2])
            let last = try #require(try await processor.drain())
            #expect(last.written == 3)
            #expect(last.conflicts == 0)
            #expect(log.fetches.withLock { $0 } == [["a", "b"], ["c"], ["d"]])
            let stored = try await store.fetch(["a", "b", "d"])
            #expect(visible(stored["a"]?.body) == ["id": "a", "count": 3])
            #expect(visible(stored["b"]?.body) == ["id": "b", "count": 2])
            #expect(visible(stored["d"]?.body) == ["id": "d", "count": 1])
        }
    }

    @Test func aBatchOfCachedDocumentsDoesNotWaitForTheOneInFlight() async throws {
        try await Self.withProcessor { processor, log, _ in
            _ = try await processor.submit(PipelinedBatchTests.events([("a", 1), ("b", 1)], after: 0))
            _ = try #require(try await processor.drain())
            _ = try await processor.submit(PipelinedBatchTests.events([("c", 1)], after: 2))
            // Only cached documents: nothing fetched, and the batch in flight is finished by this submit in order.
            let reports = try await processor.submit(PipelinedBatchTests.events([("a", 2), ("b", 2)], after: 3))
            #expect(reports.map(\.written) == [1])
            let last = try #require(try await processor.drain())
            #expect(last.written == 2)
            #expect(log.fetches.withLock { $0 } == [["a", "b"], ["c"]])
        }
    }
}
