/// How a view store retries transient failures: full-jitter exponential backoff with a cap per wait and a
/// budget of attempts (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
///
/// The policy is plain configuration. The decisions are made by ``RetryPolicy/State``, a pure state machine:
/// report each failure to it and it answers ``RetryPolicy/Action/retry(after:)`` or ``RetryPolicy/Action/giveUp``.
/// It never sleeps and never reads a clock; the random source is passed in, so tests are deterministic.
///
/// ```swift
/// var retry = RetryPolicy.default.start()
/// while true {
///     do { return try await send() } catch let error as SomeHTTPError {
///         switch retry.failed(.init(httpStatus: error.status)) {
///         case .retry(let delay): try await clock.sleep(for: delay)
///         case .giveUp: throw error
///         }
///     }
/// }
/// ```
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first one included (`1` = never retry). Default 8.
    public var maxAttempts: Int
    /// The upper bound of the first wait; it doubles after every failure. Default 50 ms.
    public var baseDelay: Duration
    /// The cap on the upper bound of one wait. Default 5 s.
    public var maxDelay: Duration

    /// Creates a policy. Values below their minimum are raised to it (`maxAttempts` ≥ 1, delays ≥ 0,
    /// `maxDelay` ≥ `baseDelay`).
    public init(maxAttempts: Int = 8, baseDelay: Duration = .milliseconds(50), maxDelay: Duration = .seconds(5)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = max(.zero, baseDelay)
        self.maxDelay = max(self.baseDelay, maxDelay)
    }

    /// 8 attempts, waits drawn from 0…50 ms doubling up to 0…5 s (about 12 s of waiting in the worst case).
    public static let `default` = RetryPolicy()

    /// Never retries.
    public static let never = RetryPolicy(maxAttempts: 1, baseDelay: .zero, maxDelay: .zero)

    /// A fresh state machine for one operation.
    public func start() -> State { State(policy: self) }

    /// The upper bound of the wait after the `failures`-th consecutive failure (1-based):
    /// `min(maxDelay, baseDelay × 2^(failures − 1))`.
    public func delayCeiling(afterFailures failures: Int) -> Duration {
        let exponent = min(max(failures - 1, 0), 62)
        let base = Self.nanoseconds(self.baseDelay)
        let cap = Self.nanoseconds(self.maxDelay)
        let (scaled, overflow) = base.multipliedReportingOverflow(by: Int64(1) << exponent)
        return .nanoseconds(overflow ? cap : min(cap, scaled))
    }

    /// Whole nanoseconds of `duration`, clamped to `0...Int64.max` (for NIO's `TimeAmount` and similar).
    public static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? 0 : Int64.max }
        let (sum, overflowSum) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflowSum ? Int64.max : max(0, sum)
    }
}

extension RetryPolicy {
    /// What happened to an attempt, as the caller classified it.
    public enum Failure: Sendable, Hashable {
        /// Worth trying again: throttling (429), a 5xx, a timeout, a broken connection. `minimumDelay` is a wait
        /// the server asked for (e.g. `Retry-After`); the wait is at least that, even above `maxDelay`.
        case transient(minimumDelay: Duration? = nil)
        /// Will fail the same way again (a 4xx other than 408/429, a malformed request): never retried.
        case permanent

        /// Classifies an HTTP status: 408, 429 and 5xx are transient, everything else permanent.
        public init(httpStatus: Int) {
            self = Self.isTransient(httpStatus: httpStatus) ? .transient() : .permanent
        }

        /// True for the statuses worth retrying: 408 (request timeout), 429 (too many requests) and any 5xx.
        public static func isTransient(httpStatus: Int) -> Bool {
            httpStatus == 408 || httpStatus == 429 || (500...599).contains(httpStatus)
        }
    }

    /// What to do after a failure.
    public enum Action: Sendable, Hashable {
        /// Wait this long, then try again.
        case retry(after: Duration)
        /// Stop and surface the failure: it is permanent or the attempt budget is spent.
        case giveUp
    }

    /// The retry state of one operation. A value type: copy it, test it, store it next to the work it guards.
    public struct State: Sendable, Hashable {
        /// The policy this state follows.
        public let policy: RetryPolicy
        /// Failures reported since the start (or the last ``succeeded()``).
        public private(set) var failures: Int = 0

        /// A fresh state: no failures yet.
        public init(policy: RetryPolicy) {
            self.policy = policy
        }

        /// True while another attempt is allowed by the budget.
        public var canRetry: Bool { self.failures + 1 < self.policy.maxAttempts }

        /// Records a failure and decides, drawing the jitter from `random`.
        public mutating func failed(_ failure: Failure, using random: inout some RandomNumberGenerator) -> Action {
            self.failures += 1
            guard case .transient(let minimumDelay) = failure, self.failures < self.policy.maxAttempts else {
                return .giveUp
            }
            let ceiling = RetryPolicy.nanoseconds(self.policy.delayCeiling(afterFailures: self.failures))
            let jittered = ceiling == 0 ? 0 : Int64.random(in: 0...ceiling, using: &random)
            let floor = minimumDelay.map(RetryPolicy.nanoseconds) ?? 0
            return .retry(after: .nanoseconds(max(jittered, floor)))
        }

        /// Records a failure and decides, with the system's random source.
        public mutating func failed(_ failure: Failure) -> Action {
            var random = SystemRandomNumberGenerator()
            return self.failed(failure, using: &random)
        }

        /// Records progress: the next failure starts again from the first, shortest wait and a full budget.
        /// Use it when part of a batch went through, so a long-lived loop does not run out of attempts.
        public mutating func succeeded() {
            self.failures = 0
        }
    }
}
