extension RetryPolicy {
    /// Runs `operation` until it succeeds, `classify` calls its error permanent, or the attempt budget is spent;
    /// between attempts it waits on `clock` (inject a test clock to avoid real sleeps).
    ///
    /// - Parameters:
    ///   - clock: The clock to wait on.
    ///   - random: The source of the jitter.
    ///   - classify: Decides whether an error is worth another attempt.
    ///   - willRetry: Called before each wait with the failure number (1-based), the wait and the error
    ///     (for logs and metrics).
    ///   - operation: The work; it receives the attempt number (1-based).
    /// - Returns: The operation's result.
    /// - Throws: The last error of the operation, or `CancellationError` when the task is cancelled while waiting.
    public func run<Result, C: Clock<Duration>>(
        clock: C,
        random: inout some RandomNumberGenerator,
        classify: (any Error) -> Failure,
        willRetry: (Int, Duration, any Error) -> Void = { _, _, _ in },
        operation: (Int) async throws -> Result
    ) async throws -> Result {
        var state = self.start()
        while true {
            do {
                return try await operation(state.failures + 1)
            } catch {
                if error is CancellationError { throw error }
                switch state.failed(classify(error), using: &random) {
                case .giveUp:
                    throw error
                case .retry(let delay):
                    willRetry(state.failures, delay, error)
                    try await clock.sleep(for: delay)
                }
            }
        }
    }

    /// ``run(clock:random:classify:willRetry:operation:)`` on the continuous clock with the system's random source.
    public func run<Result>(
        classify: (any Error) -> Failure,
        willRetry: (Int, Duration, any Error) -> Void = { _, _, _ in },
        operation: (Int) async throws -> Result
    ) async throws -> Result {
        var random = SystemRandomNumberGenerator()
        return try await self.run(
            clock: ContinuousClock(), random: &random, classify: classify, willRetry: willRetry, operation: operation)
    }
}
