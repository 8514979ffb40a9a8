public import Logging
public import ProjectorCore

/// Turns one batch of events into view-store writes for one projection: folds it against the
/// documents (from a bounded cache, or the store on a miss), writes conditionally, resolves
/// write conflicts by re-reading and re-folding, and applies the projection's `on_error` policy.
///
/// It does not write checkpoints: it says how far the batch may be checkpointed
/// (``BatchReport/checkpoint``), and the caller commits that under its lease.
public struct BatchProcessor {
    /// Tunables with production defaults.
    public struct Configuration: Sendable {
        /// Documents kept in memory between batches (each holds one document body and, while the cache is not full,
        /// the member list of the body it last wrote, whose buffers its next write reuses).
        public var cacheCapacity = 10_000
        /// How often one batch may meet write conflicts before it is retried from scratch.
        public var maximumConflictRounds = 5
        /// When set, changed documents are held in memory across batches and written together
        /// (``BatchProcessor/WriteBehind``): for rebuilds, never for a live view. `nil` (the default): every batch
        /// is written before it is reported.
        public var writeBehind: WriteBehind?

        /// The defaults: production settings.
        public init() {}
    }

    /// Where failed events go under `on_error: dead_letter`.
    public typealias DeadLetterSink = @Sendable (_ event: Event, _ error: String) async throws -> Void
    /// Reads one stream's events for `seq` in the range, all types, ordered by seq.
    public typealias StreamReader = @Sendable (_ stream: StreamID, _ seqs: ClosedRange<Int64>) async throws -> [Event]

    /// The projection whose batches this processes.
    public let projection: Projection
    let fold: BatchFold
    let store: any ViewStore
    let readStream: StreamReader
    let deadLetter: DeadLetterSink
    var configuration: Configuration
    let logger: Logger
    /// Decoded documents as the store holds them (metadata parsed, `nil` body when absent), so a hit costs no
    /// decoding and no copy of the body.
    var cache: LRUCache<String, DocumentState>
    /// The batch whose writes are being sent while the next one folds (``submit(_:)``).
    var inFlight: InFlightBatch?
    /// The report of the in-flight batch when the next batch's fold had to wait for it (a shared document).
    var completedEarly: BatchReport?
    /// Under ``Configuration/writeBehind``: the changed documents not written yet.
    var pending = PendingWrites()
    /// Under ``Configuration/writeBehind``: held documents no batch touched for a while, being written.
    var untouchedWrite: UntouchedWrite?
    /// Under ``Configuration/writeBehind``: whether documents written in the background were touched again.
    var untouchedHistory = UntouchedWriteHistory()

    /// A processor with an empty document cache.
    public init(
        projection: Projection,
        store: any ViewStore,
        readStream: @escaping StreamReader,
        deadLetter: @escaping DeadLetterSink,
        configuration: Configuration = Configuration(),
        logger: Logger
    ) {
        self.projection = projection
        self.fold = BatchFold(projection: projection)
        self.store = store
        self.readStream = readStream
        self.deadLetter = deadLetter
        self.configuration = configuration
        self.logger = logger
        self.cache = LRUCache(capacity: max(1, configuration.cacheCapacity))
    }

    /// Forgets every cached document (after losing the lease, or an error of unknown outcome), and the changed
    /// documents held for a later write (their events are to be processed again).
    public mutating func clearCache() {
        cache.removeAll()
        pending = PendingWrites()
        // Its outcome no longer matters: what it wrote carries its events in the documents' metadata.
        untouchedWrite.take()?.task.cancel()
    }

    /// Processes `events` (one batch in delivery order) up to the view store.
    ///
    /// Throws when the store or the database stays unavailable; the batch is then not
    /// checkpointed and must be processed again (which is harmless: writes are idempotent).
    /// A batch submitted with ``submit(_:)`` must be drained (``drain()``) first.
    public mutating func process(_ events: [Event]) async throws -> BatchReport {
        assert(inFlight == nil, "process(_:) called while a submitted batch is in flight; drain() it first")
        guard !events.isEmpty else { return BatchReport() }
        var batch = try await prepare(events)
        let outcomes = batch.folded.writes.isEmpty ? [] : try await store.apply(batch.folded.writes)
        return try await complete(&batch, outcomes: outcomes)
    }

    /// Folds `events` against the cached or fetched documents; caches those the batch leaves unchanged.
    /// With `deferringWrites` the fold makes no writes: changed documents stay dirty (write-behind).
    mutating func prepare(_ events: [Event], deferringWrites: Bool = false) async throws -> FoldedBatch {
        var folded = try await runFold(events, restrictedTo: nil, deferringWrites: deferringWrites)
        rememberUnchanged(&folded)
        return FoldedBatch(events: events, folded: folded)
    }

    /// Finishes a folded batch once the store answered its writes with `outcomes`: caches what was written, re-folds
    /// and re-writes documents that met a conflict, applies the `on_error` policy to rejected documents and failed
    /// events (dead letters are recorded here) and says how far the checkpoint may move. The batch's documents are
    /// moved out of `batch` (into the cache).
    mutating func complete(_ batch: inout FoldedBatch, outcomes first: [WriteOutcome]) async throws -> BatchReport {
        let events = batch.events
        // The fold's result, moved out so its documents go to the cache without a copy as writes are confirmed.
        var documents = BatchFoldResult()
        swap(&documents, &batch.folded)
        let stoppedAt = documents.stoppedAt
        var report = BatchReport()
        report.refolds = documents.refolds
        report.applied = documents.applied
        report.duplicates = documents.duplicates
        var stopIndex = stoppedAt
        var stopError = stopIndex.flatMap { index in
            documents.failures.last { $0.index == index }.map { "\($0.error)" }
        }
        var deadLetters: [(event: Event, error: String)] =
            projection.onError == .deadLetter ? documents.failures.map { ($0.event, "\($0.error)") } : []

        // Write, resolving conflicts by re-reading the conflicting documents and folding again.
        var writes = documents.writes
        var round = 0
        var rejected: [(key: String, reason: String)] = []
        var answered: [WriteOutcome]? = first
        while !writes.isEmpty {
            let outcomes: [WriteOutcome]
            if let known = answered.take() { outcomes = known } else { outcomes = try await store.apply(writes) }
            var conflicted: Set<String> = []
            for offset in writes.indices {
                switch outcomes[offset] {
                case .applied(let revision):
                    // The write is not copied (its key is the state's): only its kind is read.
                    let deleted = if case .delete = writes[offset] { true } else { false }
                    remember(documents.takeState(at: documents.writeSlots[offset]), deleted: deleted, revision: revision)
                    report.written += 1
                case .conflict:
                    let write = writes[offset]
                    cache.removeValue(forKey: write.key)
                    conflicted.insert(write.key)
                    report.conflicts += 1
                case .rejected(let reason):
                    let key = writes[offset].key
                    cache.removeValue(forKey: key)
                    rejected.append((key, reason))
                }
            }
            guard !conflicted.isEmpty else { break }
            round += 1
            guard round <= configuration.maximumConflictRounds else {
                throw RuntimeError(
                    .conflictStorm,
                    "\(conflicted.count) documents kept changing under concurrent writes",
                    projection: projection.name
                )
            }
            let foldedEvents = stoppedAt.map { Array(events[..<$0]) } ?? events
            documents = try await runFold(foldedEvents, restrictedTo: conflicted)
            writes = documents.writes
        }

        // Documents the store refused for good fall under the same policy as expression errors.
        if !rejected.isEmpty {
            let routed = fold.engine.route(events)
            for (key, reason) in rejected {
                let indices = routed.events.lazy.filter { $0.key == key && $0.handler != nil }.map(\.index)
                guard let first = indices.first else { continue }
                logger.error(
                    "view store rejected a document",
                    metadata: [
                        LogKey.projection: "\(projection.name)", LogKey.documentKey: "\(key)",
                        LogKey.error: "\(reason)",
                    ]
                )
                report.rejectedDocuments += 1
                let error = "document '\(key)' rejected by the view store: \(reason)"
                switch projection.onError {
                case .stop:
                    if first < (stopIndex ?? Int.max) {
                        stopIndex = first
                        stopError = error
                    }
                case .deadLetter:
                    for index in indices { deadLetters.append((events[index], error)) }
                }
            }
        }

        for (event, error) in deadLetters {
            try await deadLetter(event, error)
            report.deadLettered += 1
        }

        if let stopIndex {
            report.stoppedAt = events[stopIndex].cursor
            report.stopError = stopError ?? "stopped"
            report.checkpoint = stopIndex > 0 ? events[stopIndex - 1].cursor : nil
            report.processed = stopIndex
        } else {
            report.checkpoint = events.last?.cursor
            report.processed = events.count
        }
        return report
    }

    private mutating func runFold(
        _ events: [Event], restrictedTo keys: Set<String>?, deferringWrites: Bool = false
    ) async throws -> BatchFoldResult {
        let useCache = keys == nil
        return try await fold.run(
            events,
            restrictedTo: keys,
            deferringWrites: deferringWrites,
            loadInOrder: { wanted in try await self.load(wanted, useCache: useCache) },
            readStream: readStream
        )
    }

    /// Documents for `keys`, in that order: held ones (``takeHeld(forKey:)``), the rest from the store. A held state
    /// is taken out, so the fold holds the only copy and changes it in place; every state goes back once its write is
    /// confirmed (``remember(_:revision:state:)``) or, when the batch leaves it unchanged, by
    /// ``rememberUnchanged(_:)``. When the batch in flight writes one of `keys`, its writes are awaited first
    /// (``completedEarly``), and so is a background write of untouched held documents (``untouchedWrite``): such a
    /// key is neither cached nor held while in flight, so only the misses are checked.
    private mutating func load(_ keys: [String], useCache: Bool) async throws -> [DocumentState] {
        var states: [DocumentState] = []
        states.reserveCapacity(keys.count)
        var missing: [String] = []
        var missingSlots: [Int] = []
        for key in keys {
            if useCache, let state = takeHeld(forKey: key) {
                states.append(consume state)
            } else {
                missingSlots.append(states.count)
                missing.append(key)
                states.append(DocumentState(key: key, stored: nil))
            }
        }
        guard !missing.isEmpty else { return states }
        var waited = false
        if inFlight?.writesAny(of: missing) == true {
            completedEarly = try await drain()
            waited = true
        }
        if try await finishUntouchedWrite(touchingAnyOf: missing) { waited = true }
        if waited, useCache {
            // The documents it confirmed are cached now.
            var stillMissing: [String] = []
            var stillMissingSlots: [Int] = []
            for (key, slot) in zip(missing, missingSlots) {
                if let state = takeHeld(forKey: key) {
                    states[slot] = consume state
                } else {
                    stillMissing.append(key)
                    stillMissingSlots.append(slot)
                }
            }
            missing = stillMissing
            missingSlots = stillMissingSlots
            guard !missing.isEmpty else { return states }
        }
        // Taken out of the fetched dictionary, so that a body nobody else holds is decoded in place.
        var fetched = try await store.fetch(missing)
        for (key, slot) in zip(missing, missingSlots) {
            guard let stored = fetched.removeValue(forKey: key) else { continue }
            states[slot] = DocumentState(key: key, stored: stored)
        }
        return states
    }

    /// The state of `key` held in memory, taken out: changed and not yet written (write-behind), or cached.
    private mutating func takeHeld(forKey key: String) -> DocumentState? {
        if pending.count > 0, let state = pending.take(key) { return state }
        return cache.take(forKey: key)
    }

    /// Caches the documents of a fold that no event changed (as loaded, so as the store holds them; absent ones
    /// too), moving them out of `folded`. Changed ones are cached once their write is confirmed, or not at all.
    private mutating func rememberUnchanged(_ folded: inout BatchFoldResult) {
        for slot in folded.states.indices where !folded.states[slot].isDirty {
            let state = folded.takeState(at: slot)
            let key = state.key
            cache.setValue(consume state, forKey: key)
        }
    }

    /// Caches the state a confirmed write (an upsert, or a delete when `deleted`) left in the store. When the cache
    /// is full (documents leave it before they are written again), the state does not keep its written form.
    mutating func remember(_ state: consuming DocumentState, deleted: Bool, revision: StoreRevision?) {
        // Changed in place and moved into the cache: no copy of the state.
        var state = consume state
        let key = state.key
        if deleted {
            state.commit(revision: nil, keepingWrittenForm: false)
        } else if let revision {
            state.commit(revision: revision, keepingWrittenForm: cache.count < cache.capacity)
        } else {
            cache.removeValue(forKey: key)
            return
        }
        cache.setValue(consume state, forKey: key)
    }
}

/// What processing one batch did.
public struct BatchReport: Sendable, Hashable {
    /// How far the checkpoint may move: the last event fully processed (`nil`: not at all).
    public var checkpoint: EventCursor?
    /// Events fully processed (the batch length unless stopped).
    public var processed = 0
    /// Under `on_error: stop`: the event the projection stopped at, and why.
    public var stoppedAt: EventCursor?
    /// Under `on_error: stop`: the one-line error of the event at ``stoppedAt``.
    public var stopError: String?
    /// Events that changed a document.
    public var applied = 0
    /// Events skipped because their document already had them (replays).
    public var duplicates = 0
    /// Documents re-folded from the log after a sequence gap.
    public var refolds = 0
    /// Document writes the store confirmed.
    public var written = 0
    /// Conditional writes that found the document changed and were re-folded.
    public var conflicts = 0
    /// Documents the store refused for good (handled under `on_error`).
    public var rejectedDocuments = 0
    /// Events recorded in the dead letter table.
    public var deadLettered = 0

    /// An empty report.
    public init() {}
}
