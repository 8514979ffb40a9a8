import Logging
import PostgresNIO

extension PostgresConnection {
    /// A connection of its own, outside the pool, for a session that holds an advisory lock (a lease, the
    /// view-store set-up, this instance's presence); a failure is one error naming `purpose`.
    static func dedicated(
        _ configuration: Configuration, for purpose: String, projection: String? = nil, logger: Logger
    ) async throws -> PostgresConnection {
        do {
            return try await connect(configuration: configuration, id: 0, logger: logger)
        } catch {
            throw ProjectorPostgresError.wrapping(error, doing: "connecting \(purpose)", projection: projection)
        }
    }
}
