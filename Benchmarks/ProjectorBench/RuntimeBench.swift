import Foundation
import Logging
import ProjectorCore
import ProjectorPostgres
import ProjectorRuntime
import ProjectorTesting
import Synchronization

/// The service end to end: log → engine → store → checkpoint.
///
/// - `e2e_null_sink_events_per_s`: into ``DiscardingStore`` (projector's own ceiling), 1,000,000 events over 10,000
///   streams: every document stays in the 20,000-document cache (`RUNTIME_BENCH_CACHE`), so after its first event
///   none is fetched, as for the aggregates a live system keeps appending to. With its CPU time per event
///   (`e2e_null_sink_cpu_us_per_event`, this process: service, cache and the discarding store).
/// - `e2e_null_sink_cache_miss_events_per_s` (and `_cpu_us_per_event`): the same events over 100,000 streams, round
///   robin, so every touch of a document after its first misses the cache and is answered by the store, which
///   remembers each document's revision and `_projector` metadata: the miss path is measured (never a refold).
/// - `e2e_null_sink_peak_rss_mb`: the peak RSS of the process after both, that of a bounded cache.
/// - `e2e_opensearch_events_per_s`, `e2e_dynamodb_events_per_s`: into osmem-server and moto.
/// - `e2e_latency_p50_ms` / `p99`: commit-to-document latency at a steady 200 events/s into osmem-server, events
///   updating 100 documents (``LatencyWorkload/updates``); `e2e_latency_new_documents_p50_ms` / `p99`: each event
///   creating a document (``LatencyWorkload/newDocuments``).
///
/// Needs `DATABASE_URL` (+ `OPENSEARCH_URL`, `DYNAMODB_ENDPOINT`). `RUNTIME_BENCH_EVENTS` overrides the null-sink
/// table size (default 1,000,000; 100,000 documents), `RUNTIME_BENCH_CACHE` the document cache (default 20,000).
/// `RUNTIME_BENCH_EXACT_LAG=1` counts the whole lag while catching up (the supervisor's default counts at most
/// `catchUpLagLimit` events), to compare what the count costs. `RUNTIME_BENCH_PARTS` runs only some of the parts
/// (comma-separated: `null`, `opensearch`, `latency`, `dynamodb`; default all; `consumer`, only when named, runs the
/// consumer alone on events made in memory: see `RuntimeBench+Consumer.swift`). The latency run also prints the
/// p99 and maximum of each stage of the supervisor's loop (`e2e_latency_stage_<stage>_p99_ms`), and
/// `RUNTIME_BENCH_TRACE=<file>` writes its timeline (stage ends and documents written) there.
/// After the latency run, `storeProbe` sends the same writes straight to osmem-server: the floor the store sets.
/// `RUNTIME_BENCH_OVERLAP=1` sends each batch's writes while the next batch folds (the supervisor's
/// `overlapWrites`), to compare. `RUNTIME_BENCH_STAGES=1` prints the seconds each stage took in the throughput runs
/// (stderr).
enum RuntimeBench {
    static func runs(_ part: String) -> Bool {
        guard let parts = TestServers.environment("RUNTIME_BENCH_PARTS") else { return true }
        return parts.split(separator: ",").contains { $0 == part }
    }

    static func run() async throws {
        if let parts = TestServers.environment("RUNTIME_BENCH_PARTS"), parts.split(separator: ",").contains("consumer") {
            try await consumer()
        }
        guard let url = try TestServers.databaseURL() else {
            printError("runtime: DATABASE_URL not set, skipped")
            return
        }
        let total = benchSetting("RUNTIME_BENCH_EVENTS", default: 1_000_000)
        if runs("null") {
            try await nullSink(url, events: total)
        }
        if let openSearch = try TestServers.openSearchURL() {
            let count = benchSetting("RUNTIME_BENCH_STORE_EVENTS", default: 100_000)
            if runs("opensearch") {
                try await withTable(url, events: count, streams: 10_000) { configuration, database in
                    var configuration = configuration
                    configuration.openSearch.url = openSearch
                    let seconds = try await projectInto(.openSearch, configuration: configuration, database: database)
                    print("BENCH e2e_opensearch_events_per_s \(Int(Double(count) / seconds)) events/s")
                }
            }
            if runs("latency") {
                for workload in LatencyWorkload.allCases {
                    try await latency(url, openSearch: openSearch, workload: workload)
                    try await storeProbe(openSearch: openSearch, workload: workload)
                }
            }
        }
        if let endpoint = try TestServers.dynamoDBEndpoint(), runs("dynamodb") {
            let count = benchSetting("RUNTIME_BENCH_DYNAMODB_EVENTS", default: 20_000)
            try await withTable(url, events: count, streams: 2_000) { configuration, database in
                var configuration = configuration
                configuration.dynamoDB.endpoint = endpoint
                configuration.dynamoDB.region = "eu-west-1"
                let seconds = try await projectInto(.dynamoDB, configuration: configuration, database: database)
                print("BENCH e2e_dynamodb_events_per_s \(Int(Double(count) / seconds)) events/s")
            }
        }
    }

    /// Projects `total` events into the discarding store over 10,000 streams (cached) and over 100,000 (every
    /// touch misses); events/s, CPU per event and peak RSS.
    static func nullSink(_ url: DatabaseURL, events total: Int) async throws {
        var peak = peakResidentBytes()
        for (streams, label) in [(10_000, ""), (100_000, "cache_miss_")] {
            try await withTable(url, events: total, streams: streams) { configuration, database in
                let cpuBefore = SourceBench.processCPUSeconds()
                let seconds = try await project(database, configuration: configuration, store: DiscardingStore())
                let cpu = (SourceBench.processCPUSeconds() - cpuBefore) / Double(max(1, total)) * 1e6
                print("BENCH e2e_null_sink_\(label)events_per_s \(Int(Double(total) / seconds)) events/s")
                print("BENCH e2e_null_sink_\(label)cpu_us_per_event \(SourceBench.format(cpu)) us")
                peak = max(peak, peakResidentBytes())
            }
        }
        print("BENCH e2e_null_sink_peak_rss_mb \(peak / (1 << 20)) MB")
    }

    static var logger: Logger {
        var logger = Logger(label: "projector.bench")
        logger.logLevel = .warning
        return logger
    }

    /// A migrated temporary table holding `events` generated events over `streams` streams.
    static func withTable(
        _ url: DatabaseURL,
        events: Int,
        streams: Int,
        activeStreams: Int? = nil,
        _ body: (ProjectorConfiguration, ProjectorDatabase) async throws -> Void
    ) async throws {
        try await PostgresTesting.withTemporaryEventTable(url) { table, connection in
            var configuration = table.configuration
            configuration.events.batchSize = 5_000
            let adjusted = configuration
            try await ProjectorDatabase.withDatabase(configuration: adjusted, logger: logger) { database in
                _ = try await database.migrator.migrate(client: database.client)
                if events > 0 {
                    try await table.insertGenerated(
                        count: events, streams: streams, activeStreams: activeStreams, payloadBytes: 500, on: connection, logger: logger)
                }
                try await body(adjusted, database)
            }
        }
    }

    /// A definition folding the generated `bench-event`s into one document per stream.
    /// The bench's projection. It reads two fields of `data`, so reads fetch only those; `wholePayload` writes the
    /// same documents but reads `owner` through `$lookup($event.data, …)`, so reads fetch all of `data`.
    static func projection(_ target: String, wholePayload: Bool = false) throws -> Projection {
        let owner = wholePayload ? #"$lookup($event.data, "owner")"# : "$event.data.owner"
        return try ProjectionLoader.parse(
            """
            projection: bench_\(TestServers.uniqueSuffix())
            version: 1
            target: \(target)
            initial: '{"id": $key, "count": 0, "total": 0}'
            on:
              bench-event:
                set:
                  count: $doc.count + 1
                  total: $doc.total + $event.data.amount
                  owner: '\(owner)'
                  last: $event.seq
            """, file: "bench.yaml")
    }

    enum StoreKind { case openSearch, dynamoDB }

    static func projectInto(
        _ kind: StoreKind,
        configuration: ProjectorConfiguration,
        database: ProjectorDatabase
    ) async throws -> Double {
        let suffix = TestServers.uniqueSuffix()
        let target =
            kind == .openSearch
            ? "{ opensearch: { index: bench_\(suffix) } }" : "{ dynamodb: { table: bench_\(suffix) } }"
        let definition = try projection(target)
        return try await ViewStores.withViewStores(
            configuration: configuration, environment: ProcessInfo.processInfo.environment, logger: logger
        ) { stores in
            let store = try await stores.store(for: definition)
            return try await project(database, configuration: configuration, store: store, projection: definition)
        }
    }

    /// Runs one supervisor with `--once` semantics over the whole table; seconds taken.
    static func project(
        _ database: ProjectorDatabase,
        configuration: ProjectorConfiguration,
        store: any ViewStore,
        projection: Projection? = nil
    ) async throws -> Double {
        let definition = try projection ?? Self.projection("{ opensearch: { index: unused } }")
        var settings = ProjectionSupervisor.Configuration()
        settings.once = true
        settings.processor.cacheCapacity = benchSetting("RUNTIME_BENCH_CACHE", default: 20_000)
        if TestServers.environment("RUNTIME_BENCH_EXACT_LAG") == "1" { settings.catchUpLagLimit = nil }
        if TestServers.environment("RUNTIME_BENCH_OVERLAP") == "1" { settings.overlapWrites = true }
        let stages = StageLog()
        let timed = TestServers.environment("RUNTIME_BENCH_STAGES") == "1"
        if timed { settings.stageObserver = { stage, duration in stages.record(stage, duration) } }
        defer { if timed { stages.reportTotals() } }
        let supervisor = ProjectionSupervisor(
            projection: definition, database: database, notifier: nil, store: store, metrics: ProjectorMetrics(),
            board: StatusBoard(), owner: "bench", configuration: settings, logger: logger)
        let start = ContinuousClock.now
        try await supervisor.run()
        return seconds(ContinuousClock.now - start)
    }

    /// Which documents the latency run's events change.
    enum LatencyWorkload: CaseIterable {
        /// 100 streams, round robin: after the first 100 events every event updates a document the store holds,
        /// as most events of a live system append to an existing aggregate.
        case updates
        /// A new stream per event: every write creates a document. osmem-server stalls ~200 ms each time an index
        /// gains another 1,000 documents (see the README), so this run's p99 is the store's.
        case newDocuments

        /// The stream of the `index`th event and its sequence number.
        func stream(_ index: Int, streams: [String]) -> (stream: String, seq: Int) {
            switch self {
            case .updates: (streams[index % streams.count], index / streams.count + 1)
            case .newDocuments: (TestEvent.uuid(), 1)
            }
        }

        /// The part of the `BENCH` names that tells the runs apart (empty for `updates`).
        var label: String {
            switch self {
            case .updates: ""
            case .newDocuments: "new_documents_"
            }
        }
    }

    /// Commit-to-document latency: 2,000 single-event transactions at 200/s while the service runs.
    static func latency(_ url: DatabaseURL, openSearch: String, workload: LatencyWorkload) async throws {
        try await PostgresTesting.withTemporaryEventTable(url) { table, connection in
            var configuration = table.configuration
            configuration.openSearch.url = openSearch
            let adjusted = configuration
            let definition = try ProjectionLoader.parse(
                """
                projection: latency_\(TestServers.uniqueSuffix())
                version: 1
                target: { opensearch: { index: latency_\(TestServers.uniqueSuffix()) } }
                on:
                  bench-event:
                    set: { sent: $event.data.sent }
                """, file: "latency.yaml")
            let latencies = LatencyLog()
            let stages = StageLog()
            try await ProjectorDatabase.withDatabase(configuration: adjusted, logger: logger) { database in
                _ = try await database.migrator.migrate(client: database.client)
                try await ViewStores.withViewStores(
                    configuration: adjusted, environment: ProcessInfo.processInfo.environment, logger: logger
                ) { stores in
                    let store = TimingStore(inner: try await stores.store(for: definition), latencies: latencies)
                    let notifier = try database.makeNotifier()
                    var settings = ProjectionSupervisor.Configuration()
                    settings.leaseRetryInterval = .milliseconds(100)
                    settings.stageObserver = { stage, duration in stages.record(stage, duration) }
                    let supervisor = ProjectionSupervisor(
                        projection: definition, database: database, notifier: notifier, store: store,
                        metrics: ProjectorMetrics(), board: StatusBoard(), owner: "latency", configuration: settings,
                        logger: logger)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { await notifier.run() }
                        group.addTask { try await supervisor.run() }
                        try await Task.sleep(for: .seconds(1))
                        let streams = (0..<100).map { _ in TestEvent.uuid() }
                        let start = ContinuousClock.now
                        for index in 0..<2_000 {
                            let due = start + .milliseconds(5 * index)
                            try await Task.sleep(until: due, clock: .continuous)
                            let (stream, seq) = workload.stream(index, streams: streams)
                            let event = TestEvent(
                                service: "bench", stream: stream, seq: seq, type: "bench-event",
                                data: ["sent": .double(Date().timeIntervalSince1970 * 1000)])
                            try await table.insert([event], on: connection, logger: logger)
                        }
                        let deadline = ContinuousClock.now + .seconds(30)
                        while latencies.values.withLock({ $0.count }) < 2_000, ContinuousClock.now < deadline {
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        group.cancelAll()
                    }
                }
            }
            let sorted = latencies.values.withLock { $0 }.sorted()
            guard !sorted.isEmpty else { return }
            func percentile(_ p: Double) -> String {
                String(format: "%.1f", sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))])
            }
            print("BENCH e2e_latency_\(workload.label)p50_ms \(percentile(0.50)) ms")
            print("BENCH e2e_latency_\(workload.label)p99_ms \(percentile(0.99)) ms")
            stages.report(prefix: "e2e_latency_\(workload.label)stage")
            if let path = TestServers.environment("RUNTIME_BENCH_TRACE") {
                try stages.trace(latencies: latencies).write(toFile: path, atomically: true, encoding: .utf8)
            }
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// A view store that keeps no document bodies: only, per key, a revision counter and the serialized `_projector`
/// metadata of the last write (~100 bytes a key), as the text `{"_projector": …}`. `fetch` parses that text and
/// returns it with that revision and `apply` checks revisions like a real store, so the engine sees what was applied
/// (a stream's next event folds on, no spurious gap or refold) while the cost measured is projector's own (read,
/// decode, fold, checkpoint) plus one metadata parse per cache miss, not a store's. Body fields are not kept, so a
/// document folded after a miss starts without them.
final class DiscardingStore: ViewStore {
    struct Entry {
        var revision: Int64
        /// `{"_projector": …}` as compact JSON text (UTF-8), rewritten in place by each write.
        var stored: [UInt8]
    }

    private let entries = Mutex<[String: Entry]>([:])

    func fetch(_ keys: [String]) async throws -> [String: StoredDocument] {
        let found = entries.withLock { entries in keys.compactMap { key in entries[key].map { (key, $0) } } }
        var documents: [String: StoredDocument] = Dictionary(minimumCapacity: found.count)
        // One parser for the whole answer, as a store parses one response holding every document asked.
        var parser = JSONValue.ReusableParser()
        for (key, entry) in found {
            let body = try entry.stored.withUnsafeBytes { text in try parser.parse(text) }
            documents[key] = StoredDocument(key: key, body: body, revision: StoreRevision(entry.revision))
        }
        return documents
    }

    func apply(_ writes: [DocumentWrite]) async throws -> [WriteOutcome] {
        var outcomes: [WriteOutcome] = []
        outcomes.reserveCapacity(writes.count)
        entries.withLock { entries in
            // By position: the writes are read in place, not copied.
            for offset in writes.indices {
                switch writes[offset] {
                case .upsert(let key, let body, let expected):
                    outcomes.append(Self.upsert(key, body, expected: expected, into: &entries))
                case .delete(let key, let expected):
                    guard entries[key]?.revision == expected.first else {
                        outcomes.append(.conflict)
                        continue
                    }
                    entries[key] = nil
                    outcomes.append(.applied(nil))
                }
            }
        }
        return outcomes
    }

    /// Checks the revision and records the write's metadata text (serialized into the entry's own buffer).
    private static func upsert(
        _ key: String, _ body: JSONValue, expected: StoreRevision?, into entries: inout [String: Entry]
    ) -> WriteOutcome {
        let metadata = body[Projection.metadataField]
        guard let index = entries.index(forKey: key) else {
            guard expected == nil else { return .conflict }
            var text: [UInt8] = []
            text.reserveCapacity(128)
            write(metadata, to: &text)
            entries[key] = Entry(revision: 1, stored: text)
            return .applied(StoreRevision(1))
        }
        guard entries.values[index].revision == expected?.first else { return .conflict }
        entries.values[index].revision += 1
        entries.values[index].stored.removeAll(keepingCapacity: true)
        write(metadata, to: &entries.values[index].stored)
        return .applied(StoreRevision(entries.values[index].revision))
    }

    private static let storedPrefix = Array(#"{"\#(Projection.metadataField)":"#.utf8)

    /// Appends `{"_projector": metadata}` (`{}` as the metadata when there is none).
    private static func write(_ metadata: JSONValue?, to text: inout [UInt8]) {
        text.append(contentsOf: storedPrefix)
        if let metadata { metadata.write(to: &text) } else { text.append(contentsOf: "{}".utf8) }
        text.append(UInt8(ascii: "}"))
    }
}

/// Wraps a store and records, for each applied document, milliseconds since the `sent`
/// timestamp its body carries: the time from the writer's INSERT to the document being written.
struct TimingStore: ViewStore {
    let inner: any ViewStore
    let latencies: LatencyLog

    func fetch(_ keys: [String]) async throws -> [String: StoredDocument] { try await inner.fetch(keys) }

    func apply(_ writes: [DocumentWrite]) async throws -> [WriteOutcome] {
        let outcomes = try await inner.apply(writes)
        let now = Date().timeIntervalSince1970 * 1000
        latencies.values.withLock { latencies in
            for case (.upsert(_, let body, _), .applied) in zip(writes, outcomes) {
                if let sent = body["sent"]?.doubleValue { latencies.append(now - sent) }
            }
        }
        latencies.timeline.withLock { timeline in
            for case (.upsert(_, let body, _), .applied) in zip(writes, outcomes) {
                if let sent = body["sent"]?.doubleValue { timeline.append((sent, now)) }
            }
        }
        return outcomes
    }
}

/// Latencies collected from concurrent tasks.
final class LatencyLog: Sendable {
    let values = Mutex<[Double]>([])
    /// Per document: when its event was sent and when its write returned (ms since 1970).
    let timeline = Mutex<[(sent: Double, written: Double)]>([])
}

/// Durations of the supervisor's loop stages while the latency run goes on, with when each ended.
final class StageLog: Sendable {
    let entries = Mutex<[(stage: PipelineStage, ended: Double, milliseconds: Double)]>([])

    func record(_ stage: PipelineStage, _ duration: Duration) {
        let milliseconds = RuntimeBench.seconds(duration) * 1000
        let ended = Date().timeIntervalSince1970 * 1000
        entries.withLock { $0.append((stage, ended, milliseconds)) }
    }

    /// `BENCH <prefix>_<stage>_p99_ms` (and the maximum) for every stage seen.
    func report(prefix: String) {
        let entries = entries.withLock { $0 }
        for stage in PipelineStage.allCases {
            let sorted = entries.filter { $0.stage == stage }.map(\.milliseconds).sorted()
            guard let maximum = sorted.last else { continue }
            let p99 = sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
            print("BENCH \(prefix)_\(stage.rawValue)_p99_ms \(String(format: "%.2f", p99)) ms")
            print("BENCH \(prefix)_\(stage.rawValue)_max_ms \(String(format: "%.2f", maximum)) ms")
        }
    }

    /// The seconds spent in each stage (stderr: informational, not a benchmark figure).
    func reportTotals() {
        let entries = entries.withLock { $0 }
        for stage in PipelineStage.allCases {
            let matching = entries.filter { $0.stage == stage }
            guard !matching.isEmpty else { continue }
            let total = matching.reduce(0) { $0 + $1.milliseconds } / 1000
            printError("stage \(stage.rawValue): \(matching.count) times, \(String(format: "%.2f", total)) s")
        }
    }

    /// One line per stage end and per written document, by time: for finding what a slow document waited on.
    func trace(latencies: LatencyLog) -> String {
        var lines = entries.withLock { $0 }.map { entry in
            (entry.ended, "\(entry.stage.rawValue) \(String(format: "%.2f", entry.milliseconds))")
        }
        for (sent, written) in latencies.timeline.withLock({ $0 }) {
            lines.append((sent, "sent"))
            lines.append((written, "document \(String(format: "%.2f", written - sent))"))
        }
        return lines.sorted { $0.0 < $1.0 }.map { String(format: "%.1f ", $0.0) + $0.1 }.joined(separator: "\n")
    }
}
