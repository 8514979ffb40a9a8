public import ProjectorCore

/// An event a projection could not apply under `on_error: dead_letter`.
public struct DeadLetter: Sendable, Hashable {
    /// The row's id, used by `projector dlq retry|drop --id`.
    public var id: Int64
    /// The projection that failed on the event.
    public var projection: String
    /// The event as projections see it (`$event`), to retry it later.
    public var event: Event
    /// One line: what failed (never the document body).
    public var error: String
    /// When it was recorded, RFC 3339.
    public var createdAt: String

    /// Creates a dead letter from its stored columns.
    public init(id: Int64, projection: String, event: Event, error: String, createdAt: String) {
        self.id = id
        self.projection = projection
        self.event = event
        self.error = error
        self.createdAt = createdAt
    }
}
