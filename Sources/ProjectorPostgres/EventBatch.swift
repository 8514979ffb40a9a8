public import ProjectorCore

/// The result of one read from the event table.
public struct EventBatch: Sendable {
    /// Events in delivery order (ascending cursor).
    public var events: [Event]
    /// The watermark the read used: `pg_snapshot_xmin(pg_current_snapshot())`. Events of
    /// transactions at or above it are held back until every older transaction ends.
    public var watermark: UInt64
    /// True when committed events exist at or above the watermark, i.e. a long-running
    /// transaction somewhere is holding them back.
    public var eventsAboveWatermark: Bool
    /// True when the read returned as many events as it asked for: read again at once.
    public var isFull: Bool
    /// How long the watermark has held back committed events without moving (zero when it
    /// does not); feeds `projector_watermark_stall_seconds`. Set by ``EventTailer``.
    public var watermarkStall: Duration

    /// Creates a batch; `watermarkStall` defaults to zero (the tailer fills it in).
    public init(
        events: [Event],
        watermark: UInt64,
        eventsAboveWatermark: Bool,
        isFull: Bool,
        watermarkStall: Duration = .zero
    ) {
        self.events = events
        self.watermark = watermark
        self.eventsAboveWatermark = eventsAboveWatermark
        self.isFull = isFull
        self.watermarkStall = watermarkStall
    }

    /// The cursor of the last event, or `nil` for an empty batch.
    public var lastCursor: EventCursor? { events.last?.cursor }
}
