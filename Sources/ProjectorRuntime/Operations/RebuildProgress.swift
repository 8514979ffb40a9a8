import Foundation

/// How far a rebuild's replay got, reported after every batch.
public struct RebuildProgress: Sendable, Hashable {
    /// The phase.
    public enum Phase: String, Sendable, Hashable {
        /// Replaying the log into the new target.
        case replay
        /// Reading the last stretch while the live projection is paused.
        case catchUp = "catch-up"
    }

    /// The phase.
    public var phase: Phase
    /// Events replayed in this run.
    public var done: Int64
    /// Events to replay, counted at the start of the run (writers may add more).
    public var total: Int64
    /// Time since the replay started.
    public var elapsed: Duration

    /// Creates a snapshot.
    public init(phase: Phase, done: Int64, total: Int64, elapsed: Duration) {
        self.phase = phase
        self.done = done
        self.total = total
        self.elapsed = elapsed
    }

    /// Events per second so far.
    public var rate: Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Double(done) / seconds : 0
    }

    /// Estimated time left, `nil` before the rate is known or past the total.
    public var remaining: Duration? {
        guard rate > 0, total > done else { return nil }
        return .milliseconds(Int64(Double(total - done) / rate * 1000))
    }

    /// One progress bar line (no newline): `[#####-----]  52%  520,000/1,000,000 events  210,412 ev/s  ETA 0:02`.
    public func bar(width: Int = 30) -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let filled = Int((fraction * Double(width)).rounded(.down))
        let percent = Int((fraction * 100).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        return "[\(bar)] \(String(repeating: " ", count: max(0, 3 - String(percent).count)))\(percent)%  "
            + "\(Self.grouped(done))/\(Self.grouped(total)) events  \(Self.grouped(Int64(rate))) ev/s  "
            + "ETA \(remaining.map(Self.clock) ?? "-")"
    }

    static func grouped(_ value: Int64) -> String {
        let digits = String(value)
        var out = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return out
    }

    static func clock(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        let (hours, rest) = seconds.quotientAndRemainder(dividingBy: 3600)
        let text = "\(rest / 60):" + (rest % 60 < 10 ? "0" : "") + "\(rest % 60)"
        return hours > 0 ? "\(hours):" + (rest / 60 < 10 ? "0" : "") + text : text
    }
}
