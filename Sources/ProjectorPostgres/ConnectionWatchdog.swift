import Logging
import PostgresNIO

/// Bounds how long statements on a dedicated connection may take. PostgresNIO's queries ignore task cancellation,
/// and on a half-open connection (a network partition: no error, no answer) one would wait forever, holding its
/// caller with it. Past the deadline the watchdog closes the connection, which fails the statement.
enum ConnectionWatchdog {
    /// Runs `operation` (statements on `connection`); closes `connection` if it is still running after `deadline`,
    /// logging `warning` first.
    static func run<Result>(
        closing connection: PostgresConnection,
        after deadline: Duration,
        logger: Logger,
        warning: Logger.Message,
        metadata: Logger.Metadata,
        _ operation: () async throws -> Result
    ) async throws -> Result {
        let watchdog = Task {
            guard (try? await Task.sleep(for: deadline)) != nil else { return }
            logger.warning(warning, metadata: metadata)
            try? await connection.close()
        }
        defer { watchdog.cancel() }
        return try await operation()
    }
}
