public import ProjectorCore

/// A view store that reports the duration of each fetch and write of the store it wraps to a
/// ``PipelineStageObserver`` (only used while stages are observed).
struct StageTimingStore: ViewStore {
    let inner: any ViewStore
    let observer: PipelineStageObserver

    func fetch(_ keys: [String]) async throws -> [String: StoredDocument] {
        let started = ContinuousClock.now
        defer { observer(.fetch, ContinuousClock.now - started) }
        return try await inner.fetch(keys)
    }

    func apply(_ writes: [DocumentWrite]) async throws -> [WriteOutcome] {
        let started = ContinuousClock.now
        defer { observer(.write, ContinuousClock.now - started) }
        return try await inner.apply(writes)
    }
}
