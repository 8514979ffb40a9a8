import ProjectorCore
import Synchronization
import Testing

/// A deterministic random source (SplitMix64), so jittered waits are reproducible.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Always returns the largest value: every jittered wait equals its ceiling.
struct MaximumRandom: RandomNumberGenerator {
    mutating func next() -> UInt64 { .max }
}

/// A clock whose `sleep` returns at once, advancing its time and recording the wait.
final class RecordingClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let state = Mutex<(now: Instant, sleeps: [Duration])>((Instant(offset: .zero), []))
    var now: Instant { state.withLock { $0.now } }
    var minimumResolution: Duration { .nanoseconds(1) }
    var sleeps: [Duration] { state.withLock { $0.sleeps } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        state.withLock { value in
            value.sleeps.append(value.now.duration(to: deadline))
            value.now = max(value.now, deadline)
        }
    }
}

struct HTTPStatusError: Error, Equatable {
    var status: Int
}

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(100), maxDelay: .milliseconds(350))

    @Test func ceilingDoublesUpToTheCap() {
        let ceilings = (1...5).map { policy.delayCeiling(afterFailures: $0) }
        #expect(
            ceilings == [
                .milliseconds(100), .milliseconds(200), .milliseconds(350), .milliseconds(350),
                .milliseconds(350),
            ])
        #expect(
            RetryPolicy(baseDelay: .seconds(1), maxDelay: .seconds(30)).delayCeiling(afterFailures: 500)
                == .seconds(30))
    }

    @Test func jitterStaysWithinTheCeilingAndVaries() {
        var random = SeededRandom(state: 42)
        var waits: Set<Duration> = []
        for _ in 0..<200 {
            var state = policy.start()
            guard case .retry(let wait) = state.failed(.transient(), using: &random) else {
                Issue.record("a first transient failure must be retried")
                return
            }
            #expect(wait >= .zero && wait <= .milliseconds(100))
            waits.insert(wait)
        }
        #expect(waits.count > 150)
    }

    @Test func transientThenSuccess() async throws {
        let clock = RecordingClock()
        var random = MaximumRandom()
        let statuses = Mutex([429])
        let result = try await policy.run(
            clock: clock, random: &random,
            classify: { ($0 as? HTTPStatusError).map { .init(httpStatus: $0.status) } ?? .permanent }
        ) { attempt in
            if let status = statuses.withLock({ $0.popLast() }) { throw HTTPStatusError(status: status) }
            return attempt
        }
        #expect(result == 2)
        #expect(clock.sleeps == [.milliseconds(100)])
    }

    @Test func repeated5xxGivesUpAtTheBudget() async throws {
        let clock = RecordingClock()
        var random = MaximumRandom()
        let attempts = Mutex(0)
        var retries: [Int] = []
        await #expect(throws: HTTPStatusError(status: 503)) {
            try await policy.run(
                clock: clock, random: &random, classify: { _ in .transient() },
                willRetry: { failure, _, _ in retries.append(failure) }
            ) { _ in
                attempts.withLock { $0 += 1 }
                throw HTTPStatusError(status: 503)
            }
        }
        #expect(attempts.withLock { $0 } == 5)
        #expect(retries == [1, 2, 3, 4])
        #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200), .milliseconds(350), .milliseconds(350)])
    }

    @Test func nonRetryable4xxGivesUpAtOnce() async throws {
        let clock = RecordingClock()
        var random = SeededRandom(state: 1)
        let attempts = Mutex(0)
        await #expect(throws: HTTPStatusError(status: 400)) {
            try await policy.run(
                clock: clock, random: &random,
                classify: { ($0 as? HTTPStatusError).map { .init(httpStatus: $0.status) } ?? .permanent }
            ) { _ in
                attempts.withLock { $0 += 1 }
                throw HTTPStatusError(status: 400)
            }
        }
        #expect(attempts.withLock { $0 } == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test(arguments: [
        (408, true), (429, true), (500, true), (503, true), (599, true), (400, false), (403, false),
        (404, false), (409, false), (413, false),
    ])
    func classifiesHTTPStatuses(status: Int, transient: Bool) {
        #expect((RetryPolicy.Failure(httpStatus: status) == .transient()) == transient)
    }

    @Test func serverRequestedDelayIsHonouredAndProgressResetsTheBudget() {
        var random = SeededRandom(state: 7)
        var state = policy.start()
        #expect(state.failed(.transient(minimumDelay: .seconds(2)), using: &random) == .retry(after: .seconds(2)))
        #expect(state.failed(.transient(), using: &random) != .giveUp)
        #expect(state.failures == 2)
        state.succeeded()
        #expect(state.failures == 0)
        for _ in 1..<policy.maxAttempts { #expect(state.failed(.transient(), using: &random) != .giveUp) }
        #expect(!state.canRetry)
        #expect(state.failed(.transient(), using: &random) == .giveUp)
    }

    @Test func neverRetries() {
        var state = RetryPolicy.never.start()
        #expect(state.failed(.transient()) == .giveUp)
    }
}
