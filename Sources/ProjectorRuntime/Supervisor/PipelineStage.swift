public import ProjectorPostgres

/// A step of a supervisor's loop whose duration ``ProjectionSupervisor/Configuration/stageObserver`` is told: where
/// the time between an event's commit and its document goes.
public enum PipelineStage: String, Sendable, CaseIterable {
    /// A wait for new events that a notification ended.
    case wakeUp = "wake_up"
    /// A wait for new events that ended at the poll interval.
    case poll
    /// One live read of a batch (not while reading ahead).
    case read
    /// One batch from the start of its fold to its last confirmed write (fold, fetches, writes, conflicts).
    case process
    /// One fetch of documents the cache missed.
    case fetch
    /// One write request to the view store.
    case write
    /// The checkpoint commit after a batch.
    case checkpoint
    /// One lag measurement.
    case lag
    /// One read of the checkpoint row for the pause flag and a takeover.
    case control
    /// One batch handed over by the tailer, from delivery until the tailer may read on.
    case batch

    init(_ activity: TailerActivity) {
        switch activity {
        case .read: self = .read
        case .wakeUp: self = .wakeUp
        case .poll: self = .poll
        }
    }
}

/// Told the duration of each ``PipelineStage`` as it ends.
public typealias PipelineStageObserver = @Sendable (_ stage: PipelineStage, _ duration: Duration) -> Void
