public import ProjectorCore

/// A batch folded but not yet finished: what ``BatchProcessor/complete(_:outcomes:)`` needs.
struct FoldedBatch: Sendable {
    /// The batch as delivered.
    var events: [Event]
    /// What the fold produced (writes, documents, failures).
    var folded: BatchFoldResult
}

/// A folded batch whose first write request runs in a child task.
struct InFlightBatch {
    var batch: FoldedBatch
    var writing: Task<[WriteOutcome], any Error>
    /// The keys it writes (a later batch touching one of them waits for it), gathered the first time they are asked
    /// about: only a later batch's cache misses are, since a document in flight is never in the cache.
    private var writtenKeys: Set<String>?

    init(batch: FoldedBatch, writing: Task<[WriteOutcome], any Error>) {
        self.batch = batch
        self.writing = writing
    }

    /// True when this batch writes one of `keys`.
    mutating func writesAny(of keys: [String]) -> Bool {
        if writtenKeys == nil {
            let folded = batch.folded
            var written = Set<String>(minimumCapacity: folded.writeSlots.count)
            // Keys read from the states (stored properties): no write is copied to read its key.
            for slot in folded.writeSlots { written.insert(folded.states[slot].key) }
            writtenKeys = written
        }
        guard let writtenKeys else { return false }
        return keys.contains(where: writtenKeys.contains)
    }
}

extension BatchProcessor {
    /// Pipelined processing: folds `events` while the writes of the batch submitted before are in flight, then
    /// finishes that batch and sends this batch's writes in the background.
    ///
    /// At most one batch is in flight. A batch that shares a document with the one in flight waits for it before it
    /// loads its documents, so every fold sees the confirmed state of each document. A batch that stopped
    /// (`on_error: stop`) or writes nothing is finished at once.
    ///
    /// - Returns: the reports of the batches finished by this call, in order: the batch in flight before, and this
    ///   one when it was finished at once. Commit their checkpoints in that order; each report's writes are
    ///   confirmed. A report with ``BatchReport/stoppedAt`` is always the last.
    /// - Throws: when a batch's writes failed; nothing of that batch or a later one may be checkpointed (the
    ///   processor is then to be dropped, or ``abandon()``ed).
    public mutating func submit(_ events: [Event]) async throws -> [BatchReport] {
        var reports: [BatchReport] = []
        guard !events.isEmpty else { return reports }
        if let writeBehind = configuration.writeBehind { return try await hold(events, writeBehind) }
        var batch = try await prepare(events)
        if let early = completedEarly.take() { reports.append(early) }
        if let previous = try await drain() { reports.append(previous) }
        let writes = batch.folded.writes
        if batch.folded.stoppedAt != nil || writes.isEmpty {
            let outcomes = writes.isEmpty ? [] : try await store.apply(writes)
            reports.append(try await complete(&batch, outcomes: outcomes))
        } else {
            inFlight = InFlightBatch(batch: batch, writing: Task { [store] in try await store.apply(writes) })
        }
        return reports
    }

    /// Waits for the batch in flight and finishes it; its report, `nil` when none was in flight.
    public mutating func drain() async throws -> BatchReport? {
        if configuration.writeBehind != nil { return try await writePending() }
        guard var flight = inFlight.take() else { return nil }
        let outcomes: [WriteOutcome]
        do {
            outcomes = try await flight.writing.value
        } catch {
            // Unknown outcome: documents of this batch may or may not have been written.
            cache.removeAll()
            throw error
        }
        return try await complete(&flight.batch, outcomes: outcomes)
    }

    /// Cancels the writes in flight (if any) and waits for them to end; their batch is not finished and must be
    /// processed again. Forgets the cached documents, whose stored state is then unknown.
    public mutating func abandon() async {
        completedEarly = nil
        await abandonUntouchedWrite()
        if !pending.isEmpty { clearCache() }
        guard let flight = inFlight.take() else { return }
        flight.writing.cancel()
        _ = try? await flight.writing.value
        cache.removeAll()
    }

    /// True while a batch's writes are in flight.
    public var isWriting: Bool { inFlight != nil }
}
