/// Folds a whole batch for one projection: routes it, loads the documents, folds every event in delivery order,
/// closes stream gaps from the log, applies the projection's `on_error` policy and returns one write per
/// changed document.
public struct BatchFold: Sendable {
    /// The engine used.
    public let engine: FoldEngine

    /// A batch folder for `projection`.
    public init(projection: Projection) {
        engine = FoldEngine(projection: projection)
    }

    /// A batch folder using `engine`.
    public init(engine: FoldEngine) {
        self.engine = engine
    }

    /// Folds `events` (in delivery order).
    ///
    /// - Parameters:
    ///   - events: the batch.
    ///   - keys: when given, only documents with these keys are folded (e.g. to redo documents whose write met a
    ///     conflict); other events are ignored.
    ///   - fetch: returns the stored documents for the keys asked (missing keys absent); called once.
    ///   - readStream: returns a stream's events with sequences in the range, all types; called per gap.
    /// - Returns: the writes (one per changed document, in first-seen order), failures and where the batch
    ///   stopped under `on_error: stop`.
    public func run(
        _ events: [Event],
        restrictedTo keys: Set<String>? = nil,
        fetch: ([String]) async throws -> [String: StoredDocument],
        readStream: (StreamID, ClosedRange<Int64>) async throws -> [Event]
    ) async throws -> BatchFoldResult {
        let routed = engine.route(events)
        let slots = Slots(routed, restrictedTo: keys)
        var states: [DocumentState] = []
        var keyLists = StoredKeyLists()
        if !slots.wanted.isEmpty {
            // Taken out of the fetched dictionary so that a body nobody else holds is decoded in place.
            var stored = try await fetch(slots.wanted)
            states.reserveCapacity(slots.wanted.count)
            for key in slots.wanted {
                states.append(DocumentState(key: key, stored: stored.removeValue(forKey: key), keyLists: &keyLists))
            }
        }
        return try await fold(
            events, routed, restrictedTo: keys, slots: slots, states: &states, keyLists: &keyLists,
            readStream: readStream)
    }

    /// Folds `events` like ``run(_:restrictedTo:fetch:readStream:)``, with documents supplied already decoded
    /// (e.g. from a cache of ``BatchFoldResult/documents`` made ``DocumentState/committed(revision:)``).
    /// `load` may leave out keys; they start as new documents.
    public func run(
        _ events: [Event],
        restrictedTo keys: Set<String>? = nil,
        load: ([String]) async throws -> [String: DocumentState],
        readStream: (StreamID, ClosedRange<Int64>) async throws -> [Event]
    ) async throws -> BatchFoldResult {
        try await run(
            events, restrictedTo: keys,
            loadInOrder: { wanted in
                var loaded = try await load(wanted)
                return wanted.map { key in loaded.removeValue(forKey: key) ?? DocumentState(key: key, stored: nil) }
            },
            readStream: readStream)
    }

    /// Folds `events` like ``run(_:restrictedTo:load:readStream:)``, with `load` answering one state per key asked,
    /// in the order asked (a key that is not stored gets `DocumentState(key:stored: nil)`): no dictionary is built
    /// or searched per document.
    ///
    /// With `deferringWrites` the result has no ``BatchFoldResult/writes``: changed documents stay dirty
    /// (``DocumentState/isDirty``) for a caller that writes them later, after more batches
    /// (``DocumentState/makeWrite(projectionVersion:)``).
    public func run(
        _ events: [Event],
        restrictedTo keys: Set<String>? = nil,
        deferringWrites: Bool = false,
        loadInOrder load: ([String]) async throws -> [DocumentState],
        readStream: (StreamID, ClosedRange<Int64>) async throws -> [Event]
    ) async throws -> BatchFoldResult {
        let routed = engine.route(events)
        let slots = Slots(routed, restrictedTo: keys)
        var states: [DocumentState] = []
        if !slots.wanted.isEmpty {
            states = try await load(slots.wanted)
            precondition(states.count == slots.wanted.count, "load must answer one state per key asked")
        }
        var keyLists = StoredKeyLists()
        return try await fold(
            events, routed, restrictedTo: keys, slots: slots, states: &states, keyLists: &keyLists,
            makingWrites: !deferringWrites, readStream: readStream)
    }

    /// The documents a run folds: the wanted keys in first-seen order, and where each routed key's state is.
    private struct Slots {
        var wanted: [String]
        /// For each of ``RoutedBatch/keys``: its index in `wanted`, or -1 when it is not folded.
        var positions: [Int]

        init(_ routed: RoutedBatch, restrictedTo keys: Set<String>?) {
            guard let keys else {
                wanted = routed.keys
                positions = Array(routed.keys.indices)
                return
            }
            wanted = []
            positions = []
            positions.reserveCapacity(routed.keys.count)
            for key in routed.keys {
                if keys.contains(key) {
                    positions.append(wanted.count)
                    wanted.append(key)
                } else {
                    positions.append(-1)
                }
            }
        }
    }

    private func fold(
        _ events: [Event], _ routed: RoutedBatch, restrictedTo keys: Set<String>?, slots: Slots,
        states: inout [DocumentState], keyLists: inout StoredKeyLists, makingWrites: Bool = true,
        readStream: (StreamID, ClosedRange<Int64>) async throws -> [Event]
    ) async throws -> BatchFoldResult {
        var result = BatchFoldResult()
        let stopOnError = engine.projection.onError == .stop
        var keyFailures = routed.failures.makeIterator()
        var nextKeyFailure = keyFailures.next()
        var scratch = FoldScratch()

        // By position, and events passed straight from their arrays: no copy of an entry or an event per step.
        eventLoop: for position in routed.events.indices {
            let index = routed.events[position].index
            // Key failures sit between routed events in batch order.
            while let failure = nextKeyFailure, failure.index < index {
                if keys == nil {
                    result.failures.append(failure)
                    if stopOnError {
                        result.stoppedAt = failure.index
                        break eventLoop
                    }
                }
                nextKeyFailure = keyFailures.next()
            }
            let routedSlot = routed.events[position].slot
            guard routedSlot >= 0 else { continue }
            let slot = slots.positions[routedSlot]
            guard slot >= 0 else { continue }
            var step = borrowing(routed.events, position, events, index) { entry, event in
                engine.fold(entry, event: event, into: &states[slot], scratch: &scratch)
            }
            if case .gap(let gap) = step {
                let entry = routed.events[position]
                let event = events[index]
                result.refolds += 1
                let log = try await readStream(gap.stream, gap.missing)
                let failures = engine.refold(&states[slot], gap: gap, log: log, scratch: &scratch)
                for failed in failures {
                    result.failures.append(FoldFailure(index: index, event: failed.event, error: failed.error))
                }
                if stopOnError, !failures.isEmpty {
                    result.stoppedAt = index
                    break
                }
                step = engine.fold(entry, event: event, into: &states[slot], scratch: &scratch)
                if case .gap(let again) = step {
                    // The log cannot hold less than `upToSeq - 1` after a refold; defensive, keeps the loop finite.
                    step = .failed(
                        engine.failure(
                            .invalidResult, event, entry.key, "refold", nil, nil,
                            "stream \(again.stream) still misses seq \(again.afterSeq + 1) after reading the log"))
                }
            }
            switch step {
            case .applied: result.applied += 1
            case .duplicate: result.duplicates += 1
            case .skipped: result.skipped += 1
            case .gap: break
            case .failed(let error):
                result.failures.append(FoldFailure(index: index, event: events[index], error: error))
                if stopOnError {
                    result.stoppedAt = index
                    break eventLoop
                }
                engine.markProcessed(events[index], key: routed.events[position].key, in: &states[slot])
            }
        }
        if result.stoppedAt == nil, keys == nil {
            while let failure = nextKeyFailure {
                result.failures.append(failure)
                if stopOnError {
                    result.stoppedAt = failure.index
                    break
                }
                nextKeyFailure = keyFailures.next()
            }
        }
        if makingWrites {
            (result.writes, result.writeSlots) = makeWrites(&states, keyLists: &keyLists)
        }
        // Moved, not copied, into the result.
        swap(&result.states, &states)
        return result
    }
}

extension BatchFold {
    /// The writes that bring the store to `states`, one per document with something to write (counted in its
    /// metadata, see ``DocumentState/makeWrite(projectionVersion:)``), and for each the index of its state: for
    /// documents folded with `deferringWrites`, written after several batches.
    public func makeWrites(_ states: inout [DocumentState]) -> (writes: [DocumentWrite], slots: [Int]) {
        var keyLists = StoredKeyLists()
        return makeWrites(&states, keyLists: &keyLists)
    }

    func makeWrites(
        _ states: inout [DocumentState], keyLists: inout StoredKeyLists
    ) -> (writes: [DocumentWrite], slots: [Int]) {
        let version = engine.projection.version
        var writes: [DocumentWrite] = []
        var slots: [Int] = []
        writes.reserveCapacity(states.count)
        slots.reserveCapacity(states.count)
        for slot in states.indices {
            if let write = states[slot].makeWrite(projectionVersion: version, keyLists: &keyLists) {
                writes.append(write)
                slots.append(slot)
            }
        }
        return (writes, slots)
    }
}

/// Calls `body` with `entries[position]` and `events[index]` in place: array subscripts hand out copies, which
/// for an event retain (and later release) its strings and payload, cold memory in a large batch.
@inline(__always)
private func borrowing<Result>(
    _ entries: [RoutedEvent], _ position: Int, _ events: [Event], _ index: Int,
    _ body: (borrowing RoutedEvent, borrowing Event) -> Result
) -> Result {
    entries.withUnsafeBufferPointer { entries in
        events.withUnsafeBufferPointer { events in body(entries[position], events[index]) }
    }
}

/// What a ``BatchFold`` run produced.
public struct BatchFoldResult: Sendable {
    /// One conditional write per changed document, in the order documents were first touched.
    public var writes: [DocumentWrite] = []
    /// Failed events in batch order. Under `dead_letter` these are to be recorded (the batch went on as if they
    /// were skipped); under `stop` the last one is the cause of ``stoppedAt``.
    public var failures: [FoldFailure] = []
    /// Under `on_error: stop`: the batch index of the event that failed. Only events before it are in
    /// ``writes``; the checkpoint must not pass it. `nil` when the whole batch was folded.
    public var stoppedAt: Int?
    /// For each of ``writes``, the index in ``states`` of the document it writes.
    public var writeSlots: [Int] = []
    /// Final state of every loaded document, in the order documents were first touched (after ``writes`` were
    /// made: metadata `v` already counted). A consumer may move states out (``takeState(at:)``).
    public var states: [DocumentState] = []
    /// ``states`` by key (built on each call: for callers that look up a few documents).
    public var documents: [String: DocumentState] {
        var documents: [String: DocumentState] = Dictionary(minimumCapacity: states.count)
        for state in states where !state.key.isEmpty { documents[state.key] = state }
        return documents
    }
    /// Events whose handler ran.
    public var applied = 0
    /// Events skipped as already applied.
    public var duplicates = 0
    /// Events processed without change (`when` not true, unhandled events tracked).
    public var skipped = 0
    /// Gaps closed by reading the log.
    public var refolds = 0

    /// An empty result.
    public init() {}
}

extension BatchFoldResult {
    /// Moves the state at `slot` out of ``states`` (leaving an empty placeholder with an empty key), so the
    /// caller holds the only copy: no retain of its members, and later changes happen in place.
    public mutating func takeState(at slot: Int) -> DocumentState {
        var state = DocumentState(key: "", stored: nil)
        swap(&state, &states[slot])
        return state
    }
}
