/// Where a projection stands, as reported by `status`, `/metrics` and `/health/ready`.
public enum ProjectionState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Never run: no checkpoint yet.
    case notStarted = "not-started"
    /// Owned by another instance; this one waits to take over.
    case standby
    /// Owned here, reading from the log and writing to the view store.
    case running
    /// Stopped by `projector pause`; resumes with `projector resume`.
    case paused
    /// Stopped on an error under `on_error: stop` (or a refusal such as a version change).
    case failed
    /// Being replayed into a new index or table by `projector rebuild`.
    case rebuilding
    /// Stopping: finishing the in-flight batch.
    case stopping
}
