import Foundation
import Logging
import ProjectorCore
import ProjectorOpenSearch
import ProjectorPostgres
import ProjectorRuntime
import ProjectorTesting
import Synchronization

/// Rebuild and verify throughput.
///
/// - `rebuild_events_per_s` (discarding sink): the rebuild's replay loop — `ProjectionLog.scan` in batches of 5,000,
///   routing, folding, changed documents held across batches and written together as a rebuild does
///   (``BatchProcessor/WriteBehind``: up to the cache capacity, at least every 10 s) — into
///   ``DiscardingStore`` (keeps only revisions and
///   `_projector` metadata), with the cache sized to the document count (`ProjectionRebuild.Options.cacheCapacity`,
///   default 100,000), so it measures reading and folding rather than cache misses.
///   `rebuild_whole_payload_events_per_s`: the same with a projection that reads all of `data` (reads fetch the
///   whole payload instead of the two fields the bench's projection uses).
/// - `rebuild_opensearch_events_per_s`: a full `ProjectionRebuild` (new index, bulk-load settings, checkpointed
///   batches, alias swap) into osmem-server, `rebuild_opensearch_documents_written` (fewer than events: documents
///   are held across batches), and `rebuild_opensearch_ceiling_ratio`: its document writes per second
///   over the raw ceiling of the same writes sent straight through `OpenSearchStore` in bulks of 5,000.
///   Its events go round robin over all documents, so every document changes until the log's last 100,000 events
///   and can only be written once the fold is over: the ratio is at most ceiling time / (fold time + ceiling time).
/// - The same for a log whose aggregates go quiet (`rebuild_opensearch_quiet_*`): 1,000 aggregates active at a
///   time, each with its events in a row of rounds, as in most real logs. The rebuild writes the documents no
///   batch touched in the last 100,000 events while it folds on.
/// - `verify_docs_per_s`: `verify` of the rebuilt view (one store scan, one pass over the log).
///
/// `OPERATIONS_BENCH_EVENTS` (default 1,000,000) and `OPERATIONS_BENCH_STREAMS` (default 100,000) set the size.
/// `OPERATIONS_BENCH_PARTS=discarding` runs only the replay into the discarding sink, `quiet` only the rebuild of
/// the log whose aggregates go quiet (default: everything);
/// `OPERATIONS_BENCH_WRITE_BEHIND=0` writes every batch in that replay (one write per touched document per batch);
/// `OPERATIONS_BENCH_UNTOUCHED_EARLY=0` has the OpenSearch rebuilds write held documents only all together.
enum OperationsBench {
    static func run() async throws {
        guard let url = try TestServers.databaseURL() else {
            printError("operations: DATABASE_URL is not set; skipped")
            return
        }
        let events = benchSetting("OPERATIONS_BENCH_EVENTS", default: 1_000_000)
        let streams = benchSetting("OPERATIONS_BENCH_STREAMS", default: 100_000)
        let openSearch = try TestServers.openSearchURL()
        let parts = TestServers.environment("OPERATIONS_BENCH_PARTS")
        if parts != "quiet" {
            try await self.roundRobin(url, openSearch: openSearch, events: events, streams: streams)
        }
        guard parts != "discarding", let openSearch else { return }
        try await RuntimeBench.withTable(url, events: events, streams: streams, activeStreams: 1_000) {
            configuration, database in
            try await self.openSearch(
                openSearch, configuration: configuration, database: database, events: events, label: "quiet_")
        }
    }

    /// The replays into the discarding sink and the rebuild into osmem-server of events round robin over `streams`.
    static func roundRobin(_ url: DatabaseURL, openSearch: String?, events: Int, streams: Int) async throws {
        try await RuntimeBench.withTable(url, events: events, streams: streams) { configuration, database in
            let discarding = try await self.discardingReplay(database: database, cacheCapacity: streams)
            print("BENCH rebuild_events_per_s \(Int(discarding)) events/s")
            let whole = try await self.discardingReplay(database: database, cacheCapacity: streams, wholePayload: true)
            print("BENCH rebuild_whole_payload_events_per_s \(Int(whole)) events/s")
            if TestServers.environment("OPERATIONS_BENCH_PARTS") == "discarding" { return }
            guard let openSearch else {
                printError("operations: OPENSEARCH_URL is not set; OpenSearch rebuild and verify skipped")
                return
            }
            try await self.openSearch(
                openSearch, configuration: configuration, database: database, events: events, verifying: true)
        }
    }

    /// ``openSearch(session:events:label:verifying:)`` with stores for `url`.
    static func openSearch(
        _ url: String, configuration: ProjectorConfiguration, database: ProjectorDatabase, events: Int,
        label: String = "", verifying: Bool = false
    ) async throws {
        var configuration = configuration
        configuration.openSearch.url = url
        let adjusted = configuration
        try await ViewStores.withViewStores(
            configuration: adjusted, environment: ProcessInfo.processInfo.environment, logger: RuntimeBench.logger
        ) { stores in
            let session = OperationsSession(
                configuration: adjusted, database: database, stores: stores, logger: RuntimeBench.logger)
            try await self.openSearch(session: session, events: events, label: label, verifying: verifying)
        }
    }

    /// The replay loop of a rebuild into a sink that discards everything.
    static func discardingReplay(
        database: ProjectorDatabase, cacheCapacity: Int, wholePayload: Bool = false
    ) async throws -> Double {
        let projection = try RuntimeBench.projection("{ opensearch: { index: unused } }", wholePayload: wholePayload)
        let log = ProjectionLog(projection: projection, reader: database.reader)
        var configuration = BatchProcessor.Configuration()
        configuration.cacheCapacity = cacheCapacity
        // As a rebuild does by default (``ProjectionRebuild/Options/writesBehind``).
        if TestServers.environment("OPERATIONS_BENCH_WRITE_BEHIND") != "0" {
            configuration.writeBehind = BatchProcessor.WriteBehind(maximumDocuments: cacheCapacity)
        }
        var processor = BatchProcessor(
            projection: projection, store: DiscardingStore(), readStream: log.streamReader,
            deadLetter: { _, _ in }, configuration: configuration, logger: RuntimeBench.logger)
        let clock = ContinuousClock()
        let started = clock.now
        let cpuBefore = SourceBench.processCPUSeconds()
        var processed = 0
        var written = 0
        try await log.scan(after: .start, batchSize: 5_000) { batch in
            for report in try await processor.submit(batch) {
                processed += report.processed
                written += report.written
            }
            return true
        }
        if let last = try await processor.drain() {
            processed += last.processed
            written += last.written
        }
        let rate = Double(processed) / RuntimeBench.seconds(clock.now - started)
        let cpu = (SourceBench.processCPUSeconds() - cpuBefore) / Double(max(1, processed)) * 1e6
        printError(
            "operations: replayed \(processed) events with \(written) document writes, "
                + "\(SourceBench.format(cpu)) µs of projector CPU per event")
        return rate
    }

    /// A full rebuild into osmem-server, its ratio to the raw bulk ceiling, then a verify of the result (printed as
    /// `verify_docs_per_s` when `verifying`). `label` goes after `rebuild_opensearch_` in the figures' names.
    static func openSearch(session: OperationsSession, events: Int, label: String, verifying: Bool) async throws {
        let alias = "opsbench_\(TestServers.uniqueSuffix())"
        let projection = try RuntimeBench.projection("{ opensearch: { index: \(alias) } }")
        let client = try OpenSearchAdmin(client: session.stores.openSearch.orThrow())
        let rebuild = ProjectionRebuild(
            projection: projection, database: session.database, stores: session.stores, logger: session.logger)
        let clock = ContinuousClock()
        var started = clock.now
        let foldStarted = started
        let foldSeconds = Mutex(0.0)
        var options = ProjectionRebuild.Options(owner: "bench")
        options.writesUntouchedEarly = TestServers.environment("OPERATIONS_BENCH_UNTOUCHED_EARLY") != "0"
        let result = try await rebuild.run(options) { progress in
            // The last event folded; what is left is writing the documents still held.
            guard progress.phase == .replay, progress.done == events else { return }
            foldSeconds.withLock { seconds in
                if seconds == 0 { seconds = RuntimeBench.seconds(clock.now - foldStarted) }
            }
        }
        let rebuildSeconds = RuntimeBench.seconds(clock.now - started)
        let rebuildRate = Double(result.events) / rebuildSeconds
        print("BENCH rebuild_opensearch_\(label)events_per_s \(Int(rebuildRate)) events/s")

        // Send as many writes raw as the rebuild sent.
        let documents = try await self.documents(in: result.target, admin: client)
        let written = Int(result.documentsWritten)
        print("BENCH rebuild_opensearch_\(label)documents_written \(written) documents")
        let ceiling = try await self.rawCeiling(
            client: client.client, documents: documents, writes: written, alias: alias)
        let rebuildWrites = Double(written) / rebuildSeconds
        print("BENCH rebuild_opensearch_\(label)ceiling_ratio \(String(format: "%.2f", rebuildWrites / ceiling)) ratio")
        printError(
            "operations: \(label)rebuild \(SourceBench.format(rebuildSeconds)) s, its fold over after "
                + "\(SourceBench.format(foldSeconds.withLock { $0 })) s; the same writes raw "
                + "\(SourceBench.format(Double(written) / ceiling)) s")

        let live = try await session.database.checkpoints.read(projection.name)?.cursor ?? .start
        let verifier = ProjectionVerifier(
            log: session.log(projection), target: try await session.liveTarget(projection), liveCursor: live,
            logger: session.logger)
        started = clock.now
        let report = try await verifier.run { _ in }
        let verifyRate = Double(report.checked) / RuntimeBench.seconds(clock.now - started)
        if verifying { print("BENCH verify_docs_per_s \(Int(verifyRate)) docs/s") }
        if !report.isClean {
            printError("operations: verify found \(report.drifted) drifted documents after a \(label)rebuild")
        }
        try await client.deleteIndices(try await client.physicalIndices(of: alias).map(\.description))
    }

    /// Up to 5,000 stored bodies of the rebuilt index, reused as payloads for the ceiling run.
    static func documents(in index: String, admin: OpenSearchAdmin) async throws -> [JSONValue] {
        var bodies: [JSONValue] = []
        for try await document in try admin.documents(in: index, pageSize: 5_000) {
            bodies.append(document.body)
            if bodies.count >= 5_000 { break }
        }
        return bodies
    }

    /// Documents per second the sink alone writes: `writes` creates/updates in bulks of 5,000 into a fresh index.
    static func rawCeiling(client: OpenSearchClient, documents: [JSONValue], writes: Int, alias: String) async throws
        -> Double
    {
        let index = "\(alias)__raw"
        let admin = OpenSearchAdmin(client: client)
        try await admin.createIndex(index)
        _ = try await admin.beginBulkLoad(index)
        let store = try OpenSearchStore(
            client: client, configuration: .init(index: index, maximumBulkDocuments: 5_000, maximumBulkBytes: 16 << 20))
        var revisions: [String: StoreRevision] = [:]
        let keyCount = max(1, documents.count)
        let clock = ContinuousClock()
        let started = clock.now
        var done = 0
        while done < writes {
            let chunk = min(5_000, writes - done)
            let batch: [DocumentWrite] = (0..<chunk).map { offset in
                let key = "k\((done + offset) % keyCount)_\((done + offset) / keyCount % 20)"
                return .upsert(key: key, body: documents[(done + offset) % keyCount], expected: revisions[key])
            }
            for (write, outcome) in zip(batch, try await store.apply(batch)) {
                if case .applied(let revision?) = outcome { revisions[write.key] = revision }
            }
            done += chunk
        }
        let rate = Double(writes) / RuntimeBench.seconds(clock.now - started)
        try await admin.deleteIndices([index])
        return rate
    }
}

extension Optional {
    /// The value, or an error naming what was missing.
    func orThrow(_ what: String = "OpenSearch connection") throws -> Wrapped {
        guard let value = self else { throw RuntimeError(.badInput, "\(what) is not configured") }
        return value
    }
}
