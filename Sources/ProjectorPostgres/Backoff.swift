/// Exponential backoff with a cap and jitter, as a pure value: ask it for the next delay,
/// reset it after a success.
public struct Backoff: Sendable, Hashable {
    /// The first delay (before jitter).
    public var initial: Duration
    /// No delay exceeds this (before jitter).
    public var maximum: Duration
    /// Growth per attempt.
    public var multiplier: Double
    /// Fraction of each delay that is randomised: 0.5 gives a delay in [d/2, d].
    public var jitter: Double
    /// Attempts since the last reset.
    public private(set) var attempt = 0

    /// Creates a backoff: 100 ms doubling up to 30 s by default; `jitter` is clamped to 0...1.
    public init(
        initial: Duration = .milliseconds(100),
        maximum: Duration = .seconds(30),
        multiplier: Double = 2,
        jitter: Double = 0.5
    ) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = min(max(jitter, 0), 1)
    }

    /// The delay before the next attempt.
    public mutating func next(using generator: inout some RandomNumberGenerator) -> Duration {
        let initialSeconds = Self.seconds(initial)
        let maximumSeconds = Self.seconds(maximum)
        let exponent = Double(min(attempt, 64))
        let base = min(initialSeconds * pow(multiplier, exponent), maximumSeconds)
        attempt += 1
        let randomised = base * (1 - jitter) + base * jitter * Double.random(in: 0...1, using: &generator)
        return .nanoseconds(Int64(randomised * 1e9))
    }

    /// The delay before the next attempt, from the system random source.
    public mutating func next() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return next(using: &generator)
    }

    /// Back to the first delay.
    public mutating func reset() { attempt = 0 }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    private func pow(_ base: Double, _ exponent: Double) -> Double {
        var result = 1.0
        var remaining = Int(exponent)
        while remaining > 0 {
            result *= base
            remaining -= 1
        }
        return result
    }
}
