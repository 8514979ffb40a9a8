public import ProjectorCore

/// An event a projection could not apply under `on_error: dead_letter`.
public struct DeadLetter: Sendable, Hashable {
    public var id: Int64
    public var projection: String
    /// The event as projections see it (`$event`), to retry it later.
    public var event: Event
    /// One line: what failed (never the document body).
    public var error: String
    /// When it was recorded, RFC 3339.
    public var createdAt: String

    public init(id: Int64, projection: String, event: Event, error: String, createdAt: String) {
        self.id = id
        self.projection = projection
        self.event = event
        self.error = error
        self.createdAt = createdAt
    }
}
