import Foundation
import Logging
import ProjectorCore
import ProjectorOpenSearch
import ProjectorPostgres
import ProjectorRuntime
import ProjectorTesting

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
/// - `verify_docs_per_s`: `verify` of the rebuilt view (one store scan, one pass over the log).
///
/// `OPERATIONS_BENCH_EVENTS` (default 1,000,000) and `OPERATIONS_BENCH_STREAMS` (default 100,000) set the size.
/// `OPERATIONS_BENCH_PARTS=discarding` runs only the replay into the discarding sink (default: everything);
/// `OPERATIONS_BENCH_WRITE_BEHIND=0` writes every batch in that replay (one write per touched document per batch).
enum OperationsBench {
    static func run() async throws {
        guard let url = try TestServers.databaseURL() else {
            printError("operations: DATABASE_URL is not set; skipped")
            return
        }
        let environment = ProcessInfo.processInfo.environment
        let events = benchSetting("OPERATIONS_BENCH_EVENTS", default: 1_000_000)
        let streams = benchSetting("OPERATIONS_BENCH_STREAMS", default: 100_000)
        let openSearch = try TestServers.openSearchURL()
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
            var configuration = configuration
            configuration.openSearch.url = openSearch
            let adjusted = configuration
            try await ViewStores.withViewStores(
                configuration: adjusted, environment: environment, logger: RuntimeBench.logger
            ) { stores in
                let session = OperationsSession(
                    configuration: adjusted, database: database, stores: stores, logger: RuntimeBench.logger)
                try await self.openSearch(session: session, events: events)
            }
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

    /// A full rebuild into osmem-server, its ratio to the raw bulk ceiling, then a verify of the result.
    static func openSearch(session: OperationsSession, events: Int) async throws {
        let alias = "opsbench_\(TestServers.uniqueSuffix())"
        let projection = try RuntimeBench.projection("{ opensearch: { index: \(alias) } }")
        let client = try OpenSearchAdmin(client: session.stores.openSearch.orThrow())
        var written = 0
        let rebuild = ProjectionRebuild(
            projection: projection, database: session.database, stores: session.stores, logger: session.logger)
        let clock = ContinuousClock()
        var started = clock.now
        let result = try await rebuild.run(ProjectionRebuild.Options(owner: "bench"))
        let rebuildSeconds = RuntimeBench.seconds(clock.now - started)
        let rebuildRate = Double(result.events) / rebuildSeconds
        print("BENCH rebuild_opensearch_events_per_s \(Int(rebuildRate)) events/s")

        // Send as many writes raw as the rebuild sent.
        let documents = try await self.documents(in: result.target, admin: client)
        written = Int(result.documentsWritten)
        print("BENCH rebuild_opensearch_documents_written \(written) documents")
        let ceiling = try await self.rawCeiling(
            client: client.client, documents: documents, writes: written, alias: alias)
        let rebuildWrites = Double(written) / rebuildSeconds
        print("BENCH rebuild_opensearch_ceiling_ratio \(String(format: "%.2f", rebuildWrites / ceiling)) ratio")

        let live = try await session.database.checkpoints.read(projection.name)?.cursor ?? .start
        let verifier = ProjectionVerifier(
            log: session.log(projection), target: try await session.liveTarget(projection), liveCursor: live,
            logger: session.logger)
        started = clock.now
        let report = try await verifier.run { _ in }
        let verifyRate = Double(report.checked) / RuntimeBench.seconds(clock.now - started)
        print("BENCH verify_docs_per_s \(Int(verifyRate)) docs/s")
        if !report.isClean {
            printError("operations: verify found \(report.drifted) drifted documents after a rebuild")
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
