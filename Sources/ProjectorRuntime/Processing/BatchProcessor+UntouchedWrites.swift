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

extension BatchProcessor {
    /// Starts writing the held documents untouched for more than ``WriteBehind/untouchedAfter`` events (at least
    /// ``WriteBehind/minimumUntouchedWrite``, at most ``heldWriteChunk``), unless such a write is in flight.
    mutating func startUntouchedWrite(_ settings: WriteBehind) {
        guard untouchedWrite == nil, let after = settings.untouchedAfter else { return }
        var states = pending.takeUntouched(
            forMoreThan: after, minimum: settings.minimumUntouchedWrite, limit: Self.heldWriteChunk)
        guard !states.isEmpty else { return }
        let (writes, slots) = fold.makeWrites(&states)
        let ended = UntouchedWrite.Flag()
        let task = Task { [store] in
            defer { ended.set() }
            return writes.isEmpty ? [] : try await store.apply(writes)
        }
        untouchedWrite = UntouchedWrite(
            states: states, writes: writes, slots: slots, keys: Set(states.lazy.map(\.key)), task: task, ended: ended)
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
