import ProjectorCore

extension BatchProcessor {
    /// Write-behind: changed documents wait in memory across batches and are written together, once per document
    /// however many of the batches changed it, then checkpointed once.
    ///
    /// For a rebuild into a target nobody reads yet: a replay of 1,000,000 events into 100,000 documents in batches
    /// of 5,000 sends 100,000 writes instead of up to 1,000,000. Exactly-once holds as with one write per batch:
    /// nothing is checkpointed before its documents are written, and after an interruption the events after the
    /// last checkpoint are processed again, each document's metadata skipping those it already has.
    ///
    /// The held documents are written when more than ``maximumDocuments`` are held, when ``maximumFailures`` failed
    /// events wait to be dead-lettered, once ``maximumInterval`` has passed since the first of them was folded, when
    /// a batch stops under `on_error: stop`, and by ``BatchProcessor/drain()``. A write the store answers with a
    /// conflict or a rejected document throws ``RuntimeError/Code/writeBehindRefused``: the events behind those
    /// documents span batches no longer held, so the caller processes the events after the last checkpoint again
    /// without write-behind (``BatchProcessor/stopWritingBehind()``), where conflicts are re-folded and rejections
    /// fall under `on_error`.
    ///
    /// Meanwhile held documents no batch touched in the last ``untouchedAfter`` events are written in the background
    /// while later batches fold, a chunk at a time, so that the store works during the fold instead of waiting for
    /// its end (most aggregates of a real log go quiet long before the log ends). Their events are checkpointed with
    /// the next write of all held documents, like the rest; a batch that touches one of them waits for its write.
    public struct WriteBehind: Sendable {
        /// Documents held at most before they are written (plus those one batch adds). The document cache gives up
        /// its least recently used entries to keep the two together within its capacity.
        public var maximumDocuments: Int
        /// The longest time documents are held: how much work an interruption can cost.
        public var maximumInterval: Duration
        /// Failed events (under `on_error: dead_letter`) held at most before the documents are written.
        public var maximumFailures: Int
        /// Held documents no batch touched in more than this many events are written in the background (`nil`:
        /// never; held documents are then written only all together).
        public var untouchedAfter: Int?
        /// The fewest untouched documents written in the background at once (fewer wait for more).
        public var minimumUntouchedWrite: Int

        /// Write-behind holding up to `maximumDocuments` documents for up to `maximumInterval`; documents untouched
        /// for more than `maximumDocuments` events are written in the background, at least 1,000 at a time.
        public init(
            maximumDocuments: Int, maximumInterval: Duration = .seconds(10), maximumFailures: Int = 1_000,
            minimumUntouchedWrite: Int = 1_000
        ) {
            self.maximumDocuments = max(1, maximumDocuments)
            self.maximumInterval = maximumInterval
            self.maximumFailures = max(1, maximumFailures)
            self.untouchedAfter = self.maximumDocuments
            self.minimumUntouchedWrite = max(1, minimumUntouchedWrite)
        }
    }

    /// True while changed documents are held across batches (``Configuration/writeBehind``).
    public var writesBehind: Bool { configuration.writeBehind != nil }

    /// Turns write-behind off: from now on every batch is written before it is reported. Call it after
    /// ``abandon()``, when a write of held documents was refused.
    public mutating func stopWritingBehind() {
        configuration.writeBehind = nil
    }

    /// Folds `events` into the held documents; writes them all when ``WriteBehind`` says so.
    ///
    /// - Returns: this batch's report (processed and applied events, no checkpoint: nothing of it is written yet),
    ///   then, when the held documents were written, a report with their checkpoint, and where the batch stopped.
    mutating func hold(_ events: [Event], _ settings: WriteBehind) async throws -> [BatchReport] {
        // Documents written in the background meanwhile go to the cache, where this batch may find them.
        try await finishUntouchedWrite(waiting: false)
        // Unchanged documents go to the cache here; the changed ones are left in the result.
        var batch = try await prepare(events, deferringWrites: true)
        var folded = BatchFoldResult()
        swap(&folded, &batch.folded)
        var report = BatchReport()
        report.applied = folded.applied
        report.duplicates = folded.duplicates
        report.refolds = folded.refolds
        let processed = folded.stoppedAt ?? events.count
        pending.eventsFolded += processed
        noteTouched(folded)
        for slot in folded.states.indices where folded.states[slot].isDirty {
            pending.hold(folded.takeState(at: slot))
        }
        if pending.since == nil { pending.since = .now }
        if projection.onError == .deadLetter { pending.failures.append(contentsOf: folded.failures) }
        report.processed = processed
        if processed > 0 { pending.lastCursor = events[processed - 1].cursor }
        cache.trim(toCount: configuration.cacheCapacity - pending.count - (untouchedWrite?.states.count ?? 0))

        var reports = [report]
        if let stop = folded.stoppedAt {
            var written = try await writePending() ?? BatchReport()
            written.stoppedAt = events[stop].cursor
            written.stopError = folded.failures.last { $0.index == stop }.map { "\($0.error)" } ?? "stopped"
            reports.append(written)
        } else if pending.count > settings.maximumDocuments || pending.failures.count >= settings.maximumFailures
            || pending.since.map({ $0.duration(to: .now) >= settings.maximumInterval }) == true
        {
            if let written = try await writePending() { reports.append(written) }
        } else {
            writeUntouched()
        }
        return reports
    }

    /// Writes the held documents, records the held dead letters and reports how far the checkpoint may move; `nil`
    /// when nothing is held.
    ///
    /// Documents are serialized and sent ``heldWriteChunk`` at a time, so the held documents are the only thing that
    /// grows with their number (not their serialized forms as well).
    mutating func writePending() async throws -> BatchReport? {
        try await finishUntouchedWrite(waiting: true)
        guard !pending.isEmpty else { return nil }
        var held = PendingWrites()
        swap(&held, &pending)
        var states = held.takeAll()
        var report = BatchReport()
        report.checkpoint = held.lastCursor
        report.written = held.writtenUntouched
        var start = 0
        while start < states.count {
            let end = min(states.count, start + Self.heldWriteChunk)
            var chunk: [DocumentState] = []
            chunk.reserveCapacity(end - start)
            for index in start..<end {
                var state = DocumentState(key: "", stored: nil)
                swap(&state, &states[index])
                chunk.append(consume state)
            }
            start = end
            report.written += try await write(&chunk)
        }
        for failure in held.failures {
            try await deadLetter(failure.event, "\(failure.error)")
            report.deadLettered += 1
        }
        return report
    }
}

extension BatchProcessor {
    /// Held documents serialized and sent together.
    static var heldWriteChunk: Int { 5_000 }

    /// Writes held `states` and caches them as written; returns how many writes the store confirmed. Throws
    /// ``RuntimeError/Code/writeBehindRefused`` when it refused any (conflict or rejection).
    private mutating func write(_ states: inout [DocumentState]) async throws -> Int {
        let (writes, slots) = fold.makeWrites(&states)
        let outcomes: [WriteOutcome]
        do {
            outcomes = writes.isEmpty ? [] : try await store.apply(writes)
        } catch {
            // Unknown outcome: documents may or may not have been written.
            cache.removeAll()
            throw error
        }
        return try settleHeldWrites(&states, writes: writes, slots: slots, outcomes: outcomes)
    }

    /// Caches held `states` as the store answered their `writes` (made from `states[slots]`) with `outcomes`;
    /// returns how many it confirmed. Throws ``RuntimeError/Code/writeBehindRefused`` when it refused any.
    mutating func settleHeldWrites(
        _ states: inout [DocumentState], writes: [DocumentWrite], slots: [Int], outcomes: [WriteOutcome]
    ) throws -> Int {
        var written = 0
        var refused = 0
        var next = 0
        for index in states.indices {
            var state = DocumentState(key: "", stored: nil)
            swap(&state, &states[index])
            guard next < slots.count, slots[next] == index else {
                // Nothing to write (created and deleted again while held): as the store has it.
                state.commit(revision: state.revision)
                let key = state.key
                cache.setValue(consume state, forKey: key)
                continue
            }
            defer { next += 1 }
            switch outcomes[next] {
            case .applied(let revision):
                let deleted = if case .delete = writes[next] { true } else { false }
                remember(state, deleted: deleted, revision: revision)
                written += 1
            case .conflict, .rejected:
                refused += 1
            }
        }
        guard refused == 0 else {
            cache.removeAll()
            throw RuntimeError(
                .writeBehindRefused,
                "the view store refused \(refused) of \(writes.count) documents written together (a conflict or a "
                    + "rejected document); the events after the last checkpoint are to be processed again batch by "
                    + "batch", projection: projection.name)
        }
        return written
    }
}

/// Changed documents held for a later write (``BatchProcessor/WriteBehind``), and what that write must also record.
struct PendingWrites {
    /// A held document and when a batch last touched it.
    struct Held {
        var state: DocumentState
        /// ``PendingWrites/eventsFolded`` after the batch that last touched it.
        var touchedAt: Int
    }

    /// The held documents by key, least recently touched last: a cache that never evicts (entries leave only when
    /// taken), for its removals that rehash nothing.
    private var documents = LRUCache<String, Held>(capacity: Int.max)
    /// Failed events (under `on_error: dead_letter`), recorded once the documents are written.
    var failures: [FoldFailure] = []
    /// The last event folded into the held documents: where the checkpoint moves once they are written.
    var lastCursor: EventCursor?
    /// When the first of the held batches was folded.
    var since: ContinuousClock.Instant?
    /// Events folded by the batches held so far: the clock of ``Held/touchedAt``.
    var eventsFolded = 0
    /// Documents written in the background since the last write of all held documents (reported with it).
    var writtenUntouched = 0

    /// Documents held.
    var count: Int { documents.count }

    /// True when nothing is held: no document, and no folded event waiting for a checkpoint.
    var isEmpty: Bool { documents.count == 0 && lastCursor == nil }

    /// The held document of `key`, taken out.
    mutating func take(_ key: String) -> DocumentState? {
        documents.take(forKey: key)?.state
    }

    /// Holds `state` until the next write, as touched by the batch just folded.
    mutating func hold(_ state: consuming DocumentState) {
        let key = state.key
        documents.setValue(Held(state: state, touchedAt: eventsFolded), forKey: key)
    }

    /// Every held document, taken out.
    mutating func takeAll() -> [DocumentState] {
        documents.takeAll().map(\.state)
    }

    /// How many held documents no batch touched in the last `events` events (counting stops at `limit`).
    func countUntouched(forMoreThan events: Int, upTo limit: Int) -> Int {
        let cutoff = eventsFolded - events
        return documents.leastRecentCount(upTo: limit, where: { $0.touchedAt < cutoff })
    }

    /// Up to `limit` of the documents no batch touched in the last `events` events, least recently touched first,
    /// taken out; none unless at least `minimum` are.
    mutating func takeUntouched(forMoreThan events: Int, minimum: Int, limit: Int) -> [DocumentState] {
        let cutoff = eventsFolded - events
        guard countUntouched(forMoreThan: events, upTo: minimum) >= minimum else { return [] }
        var untouched: [DocumentState] = []
        while untouched.count < limit, let oldest = documents.leastRecentValue?.touchedAt, oldest < cutoff,
            let held = documents.takeLeastRecent()
        {
            untouched.append(held.state)
        }
        return untouched
    }
}
