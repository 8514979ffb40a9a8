import Logging
import ProjectorCore
import Synchronization

/// Held documents that no batch touched for a while, being written in the background while later batches fold
/// (``BatchProcessor/WriteBehind/untouchedAfter``). At most one such write is in flight.
struct UntouchedWrite {
    /// The documents sent, taken out of the held ones; cached once the store confirms them.
    var states: [DocumentState]
    var writes: [DocumentWrite]
    /// `states` index of each of `writes`.
    var slots: [Int]
    /// The keys written: a batch that touches one of them waits for the write first.
    let keys: Set<String>
    let task: Task<[WriteOutcome], any Error>
    /// Set by the task as it ends, so a finished write is taken up without waiting.
    let ended: Flag

    /// A flag set once.
    final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        var isSet: Bool { value.load(ordering: .acquiring) }
        func set() { value.store(true, ordering: .releasing) }
    }
}

/// Whether documents written in the background were touched again: then the log revisits documents after longer
/// than ``BatchProcessor/WriteBehind/untouchedAfter`` events, and writing them early costs writes (the same document
/// twice) instead of saving time.
struct UntouchedWriteHistory {
    /// Hashes of the keys written in the background (forgotten all at once beyond ``limit``).
    private var written: Set<Int> = []
    private var writtenCount = 0
    private var touchedAgain = 0
    private static var limit: Int { 1_000_000 }

    /// Records the documents of a background write.
    mutating func wrote(_ keys: Set<String>) {
        if written.count + keys.count > Self.limit { written.removeAll(keepingCapacity: true) }
        for key in keys { written.insert(key.hashValue) }
        writtenCount += keys.count
    }

    /// True until a background write was recorded (or after they were all touched again).
    var isEmpty: Bool { written.isEmpty }

    /// Records that a batch touched `key`.
    mutating func touched(_ key: String) {
        guard written.remove(key.hashValue) != nil else { return }
        touchedAgain += 1
    }

    /// True when more than 1 % of the documents written in the background so far were touched again; then starts
    /// counting anew.
    mutating func tooManyTouchedAgain() -> Bool {
        guard touchedAgain > 0, touchedAgain * 100 > writtenCount else { return false }
        self = UntouchedWriteHistory()
        return true
    }
}

extension BatchProcessor {
    /// Notes the documents a batch touched (those it changed, about to be held); doubles
    /// ``WriteBehind/untouchedAfter`` when too many of them had been written in the background already.
    mutating func noteTouched(_ folded: BatchFoldResult) {
        guard !untouchedHistory.isEmpty else { return }
        for slot in folded.states.indices where folded.states[slot].isDirty {
            untouchedHistory.touched(folded.states[slot].key)
        }
        guard untouchedHistory.tooManyTouchedAgain(), let after = configuration.writeBehind?.untouchedAfter else {
            return
        }
        let doubled = after > Int.max / 2 ? Int.max : after * 2
        configuration.writeBehind?.untouchedAfter = doubled
        logger.debug(
            "documents written early were changed again; waiting longer before writing untouched documents",
            metadata: [LogKey.projection: "\(projection.name)", "projector.untouched_after": "\(doubled)"])
    }

    /// Starts writing the held documents untouched for more than ``WriteBehind/untouchedAfter`` events (at least
    /// ``WriteBehind/minimumUntouchedWrite``, at most ``heldWriteChunk``) when no such write is in flight.
    ///
    /// The fold never waits for these writes (only a batch touching one of their documents does): they use the time
    /// the store would otherwise wait, so a wrong guess (a document changed again later) costs a write, not time.
    mutating func writeUntouched() {
        guard untouchedWrite == nil, let settings = configuration.writeBehind, let after = settings.untouchedAfter
        else { return }
        let minimum = settings.minimumUntouchedWrite
        var states = pending.takeUntouched(forMoreThan: after, minimum: minimum, limit: Self.heldWriteChunk)
        guard !states.isEmpty else { return }
        let (writes, slots) = fold.makeWrites(&states)
        let ended = UntouchedWrite.Flag()
        let task = Task { [store] in
            defer { ended.set() }
            return writes.isEmpty ? [] : try await store.apply(writes)
        }
        let keys = Set(states.lazy.map(\.key))
        untouchedHistory.wrote(keys)
        untouchedWrite = UntouchedWrite(
            states: states, writes: writes, slots: slots, keys: keys, task: task, ended: ended)
    }

    /// Takes up the background write of untouched documents: caches what it wrote and counts it for the next report.
    /// Without `waiting`, only when it has ended. Throws its store error (the documents' state in the store is then
    /// unknown: the cache is emptied) or ``RuntimeError/Code/writeBehindRefused``.
    mutating func finishUntouchedWrite(waiting: Bool) async throws {
        guard let ended = untouchedWrite?.ended, waiting || ended.isSet, var write = untouchedWrite.take() else {
            return
        }
        let outcomes: [WriteOutcome]
        do {
            outcomes = try await write.task.value
        } catch {
            cache.removeAll()
            throw error
        }
        pending.writtenUntouched += try settleHeldWrites(
            &write.states, writes: write.writes, slots: write.slots, outcomes: outcomes)
    }

    /// Waits for the background write of untouched documents when it writes one of `keys`; true when it did (the
    /// documents it confirmed are cached now).
    mutating func finishUntouchedWrite(touchingAnyOf keys: [String]) async throws -> Bool {
        guard let written = untouchedWrite?.keys, keys.contains(where: written.contains) else { return false }
        try await finishUntouchedWrite(waiting: true)
        return true
    }

    /// Cancels the background write of untouched documents, if any, and waits for it to end. Its documents are
    /// dropped: their events are to be processed again.
    mutating func abandonUntouchedWrite() async {
        guard let write = untouchedWrite.take() else { return }
        write.task.cancel()
        _ = try? await write.task.value
    }
}
