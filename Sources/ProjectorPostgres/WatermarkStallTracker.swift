/// Measures how long the watermark has held back committed events without moving.
///
/// Pure: feed it each read's watermark, whether events wait above it, and the time.
struct WatermarkStallTracker<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    private var watermark: UInt64?
    private var stuckSince: Instant?

    /// The stall after observing one read: zero unless events wait above a watermark that
    /// has not moved since the first read that saw them waiting.
    mutating func observe(watermark: UInt64, eventsAbove: Bool, now: Instant) -> Duration {
        defer { self.watermark = watermark }
        guard eventsAbove else {
            stuckSince = nil
            return .zero
        }
        guard let since = stuckSince, self.watermark == watermark else {
            stuckSince = now
            return .zero
        }
        return since.duration(to: now)
    }
}
