public import Logging
public import ProjectorCore
import ProjectorPostgres

/// `projector verify`: recomputes documents from the log and compares them with the view store.
///
/// Each stored document is recomputed only as far as its own `_projector` metadata says it got (its per-stream
/// sequences, or its cursor), so a view that is being updated while `verify` runs shows no false drift. Keys the
/// log produces but the store lacks are recomputed up to the live checkpoint and reported as missing.
///
/// Memory stays bounded for any number of documents: keys are split into buckets by hash (about
/// ``Options/bucketSize`` documents each); each bucket is one scan of the store plus one pass over the log.
public struct ProjectionVerifier: Sendable {
    /// Tunables.
    public struct Options: Sendable {
        /// Compare a random sample of this many stored documents instead of all (missing documents are then not
        /// looked for).
        public var sample: Int?
        /// Documents per bucket (per pass over the log). Default 200,000.
        public var bucketSize = 200_000
        /// Events per read. Default 5,000.
        public var batchSize = 5_000

        /// Defaults: everything.
        public init(sample: Int? = nil) {
            self.sample = sample
        }
    }

    /// The events read.
    public let log: ProjectionLog
    /// The stored documents compared.
    public let target: ViewTarget
    /// The live checkpoint's cursor: how far documents missing from the store are recomputed.
    public let liveCursor: EventCursor
    let logger: Logger

    /// A verifier of `target` against `log`, where the live projection has checkpointed `liveCursor`.
    public init(log: ProjectionLog, target: ViewTarget, liveCursor: EventCursor, logger: Logger) {
        self.log = log
        self.target = target
        self.liveCursor = liveCursor
        self.logger = logger
    }

    /// A stored document as compared: its body without metadata and how far it got.
    struct Stored {
        var body: JSONObject?
        /// `nil` when the document carries no `_projector` field (not written by projector).
        var metadata: DocumentMetadata?

        init(_ document: StoredDocument) {
            guard case .object(var object) = document.body else {
                body = nil
                metadata = nil
                return
            }
            metadata = object.removeValue(forKey: Projection.metadataField).map { DocumentMetadata(json: $0) }
            body = object
        }
    }

    /// Runs the comparison, calling `onDrift` for every drifted document as it is found.
    public func run(_ options: Options = Options(), onDrift: (DocumentDrift) async throws -> Void) async throws
        -> VerifyReport
    {
        var report = VerifyReport()
        guard try await target.exists() else {
            throw RuntimeError(
                .notFound,
                "the view \(target.name) does not exist: the projection never ran (`projector run`, or "
                    + "`projector rebuild \(log.projection.name)`)", projection: log.projection.name)
        }
        if let sample = options.sample {
            let stored = try await sampleDocuments(max(1, sample))
            let keys = Set(stored.keys)
            let states = try await recompute(
                keys: { keys.contains($0) }, stored: stored, perStream: true, batchSize: options.batchSize,
                report: &report)
            try await compare(keys: keys, stored: stored, states: states, report: &report, onDrift: onDrift)
            return report
        }
        let count = try await target.approximateCount() ?? 0
        let buckets = max(1, (count + options.bucketSize - 1) / max(1, options.bucketSize))
        for bucket in 0..<buckets {
            let inBucket: (String) -> Bool = { buckets == 1 || Self.bucket(of: $0, count: buckets) == bucket }
            var stored: [String: Stored] = [:]
            try await target.forEachPage { page in
                for document in page where inBucket(document.key) { stored[document.key] = Stored(document) }
            }
            let states = try await recompute(
                keys: inBucket, stored: stored, perStream: false, batchSize: options.batchSize, report: &report)
            let keys = Set(stored.keys).union(states.keys)
            try await compare(keys: keys, stored: stored, states: states, report: &report, onDrift: onDrift)
            logger.debug(
                "verify bucket done",
                metadata: [LogKey.projection: "\(log.projection.name)", "projector.bucket": "\(bucket + 1)/\(buckets)"])
        }
        return report
    }

    /// A stable bucket of a key (FNV-1a, not the per-process seeded hasher, so buckets are reproducible).
    static func bucket(of key: String, count: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(count))
    }

    /// `count` stored documents chosen uniformly at random (reservoir sampling over one scan).
    func sampleDocuments(_ count: Int) async throws -> [String: Stored] {
        var reservoir: [StoredDocument] = []
        var seen = 0
        var random = SystemRandomNumberGenerator()
        try await target.forEachPage { page in
            for document in page {
                seen += 1
                if reservoir.count < count {
                    reservoir.append(document)
                } else {
                    let slot = Int.random(in: 0..<seen, using: &random)
                    if slot < count { reservoir[slot] = document }
                }
            }
        }
        return Dictionary(reservoir.map { ($0.key, Stored($0)) }, uniquingKeysWith: { first, _ in first })
    }

    /// True when the stored document had already processed `event` (or, for a key the store lacks, the live
    /// checkpoint has passed it).
    static func isWithin(_ event: Event, key: String, stored: Stored?, liveCursor: EventCursor) -> Bool {
        guard let stored, let metadata = stored.metadata else { return event.cursor <= liveCursor }
        if key == event.stream {
            return event.seq <= (metadata.streams[event.streamID] ?? 0)
        }
        guard let cursor = metadata.cursor else { return false }
        return event.cursor <= cursor
    }

    /// Folds, from scratch, the documents whose keys pass `keys`, each only as far as its stored state got.
    /// With `perStream` (a sample of a stream-keyed projection) only the documents' own streams are read.
    func recompute(
        keys: (String) -> Bool, stored: [String: Stored], perStream: Bool, batchSize: Int,
        report: inout VerifyReport
    ) async throws -> [String: DocumentState] {
        report.passes += 1
        let engine = FoldEngine(projection: log.projection)
        let readStream = log.streamReader
        let liveCursor = liveCursor
        var states: [String: DocumentState] = [:]
        var scratch = FoldScratch()
        var failures = 0
        if perStream, log.isStreamKeyed {
            for key in stored.keys.sorted() {
                let events = try await log.reader.streamEvents(stream: key).sorted { $0.cursor < $1.cursor }
                failures += try await foldEvents(
                    events, engine: engine, keys: { $0 == key }, stored: stored, states: &states, scratch: &scratch,
                    readStream: readStream, liveCursor: liveCursor)
            }
        } else {
            try await log.scan(after: .start, batchSize: batchSize) { batch in
                failures += try await foldEvents(
                    batch, engine: engine, keys: keys, stored: stored, states: &states, scratch: &scratch,
                    readStream: readStream, liveCursor: liveCursor)
                return true
            }
        }
        report.failures += failures
        return states
    }

    /// Folds one batch into `states`; returns the number of failed events.
    func foldEvents(
        _ events: [Event], engine: FoldEngine, keys: (String) -> Bool, stored: [String: Stored],
        states: inout [String: DocumentState], scratch: inout FoldScratch,
        readStream: BatchProcessor.StreamReader, liveCursor: EventCursor
    ) async throws -> Int {
        var failures = 0
        let routed = engine.route(events)
        for entry in routed.events where keys(entry.key) {
            let event = events[entry.index]
            let storedDocument = stored[entry.key]
            guard Self.isWithin(event, key: entry.key, stored: storedDocument, liveCursor: liveCursor) else { continue }
            if entry.handler == nil && states[entry.key] == nil { continue }
            var state = states.removeValue(forKey: entry.key) ?? DocumentState(key: entry.key, stored: nil)
            var step = engine.fold(entry, event: event, into: &state, scratch: &scratch)
            if case .gap(let gap) = step {
                let log = try await readStream(gap.stream, gap.missing)
                failures += engine.refold(&state, gap: gap, log: log, scratch: &scratch).count
                step = engine.fold(entry, event: event, into: &state, scratch: &scratch)
            }
            if case .failed = step {
                failures += 1
                engine.markProcessed(event, key: entry.key, in: &state)
            }
            states[entry.key] = state
        }
        return failures
    }

    /// Reports the drifted keys among `keys`.
    func compare(
        keys: Set<String>, stored: [String: Stored], states: [String: DocumentState], report: inout VerifyReport,
        onDrift: (DocumentDrift) async throws -> Void
    ) async throws {
        for key in keys.sorted() {
            let expected = states[key]?.body
            let actual = stored[key]?.body
            if expected == nil && actual == nil { continue }
            report.checked += 1
            let drift: DocumentDrift
            switch (expected, actual) {
            case (let expected?, let actual?):
                let differences = JSONDifference.between(expected: .object(expected), actual: .object(actual))
                if differences.isEmpty { continue }
                drift = DocumentDrift(key: key, kind: .changed, differences: differences)
            case (let expected?, nil):
                drift = DocumentDrift(
                    key: key, kind: .missing,
                    differences: [JSONDifference(path: "", expected: .object(expected), actual: nil)])
            case (nil, let actual?):
                drift = DocumentDrift(
                    key: key, kind: .unexpected,
                    differences: [JSONDifference(path: "", expected: nil, actual: .object(actual))])
            case (nil, nil):
                continue
            }
            report.drifted += 1
            try await onDrift(drift)
        }
    }
}
