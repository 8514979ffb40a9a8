public import Logging
public import PostgresNIO
public import ProjectorCore
import Synchronization

/// Ownership of one projection by this process: a session-level advisory lock held on a
/// dedicated connection, plus the lease epoch written into the checkpoint row on acquisition.
///
/// While the connection lives the lock is held; if it dies (network, `pg_terminate_backend`)
/// the lock is gone and checkpoint writes through this lease fail, so a stale instance
/// cannot move the checkpoint. Another instance that acquires the lock bumps the epoch,
/// which makes writes carrying the old epoch fail too.
public final class ProjectionLease: Sendable {
    /// The projection this lease owns.
    public let projection: String
    /// The epoch this acquisition stored in the checkpoint row.
    public let epoch: Int64
    /// Who holds it (stored as `owner`).
    public let owner: String
    /// The dedicated connection holding the lock; checkpoint writes run on it.
    let connection: PostgresConnection
    let schema: SQLIdentifier
    let logger: Logger
    /// How long one query on the lease's connection may take (see ``watched(_:)``).
    let queryDeadline: Duration
    private let released = Mutex(false)

    /// The default of `acquire`'s `queryDeadline`.
    public static let defaultQueryDeadline: Duration = .seconds(30)

    init(
        projection: String, epoch: Int64, owner: String, connection: PostgresConnection, schema: SQLIdentifier,
        queryDeadline: Duration, logger: Logger
    ) {
        self.projection = projection
        self.epoch = epoch
        self.owner = owner
        self.connection = connection
        self.schema = schema
        self.queryDeadline = queryDeadline
        self.logger = logger
    }

    /// The advisory lock key for a projection: a stable 64-bit hash of `projector:<name>`.
    public static func lockKey(for projection: String) -> Int64 {
        StableHash.lockKey("projector:" + projection)
    }

    /// Tries to take the lease: connects, `pg_try_advisory_lock`, then increments
    /// `lease_epoch` (creating the checkpoint row if needed). `nil` when another session
    /// holds the lock.
    ///
    /// - Parameter queryDeadline: a query on the lease's connection that takes longer closes the connection,
    ///   which ends the lease (a network partition leaves a half-open connection that never answers).
    public static func acquire(
        projection: String,
        owner: String,
        connectionConfiguration: PostgresConnection.Configuration,
        schema: SQLIdentifier,
        queryDeadline: Duration = defaultQueryDeadline,
        logger: Logger
    ) async throws -> ProjectionLease? {
        let connection = try await PostgresConnection.dedicated(
            connectionConfiguration, for: "for the lease", projection: projection, logger: logger)
        do {
            return try await watched(connection, deadline: queryDeadline, projection: projection, logger: logger) {
                let key = lockKey(for: projection)
                var locked = false
                let lock: PostgresQuery = "SELECT pg_try_advisory_lock(\(key))"
                for try await value in try await connection.query(lock, logger: logger).decode(Bool.self) {
                    locked = value
                }
                guard locked else {
                    try? await connection.close()
                    return nil
                }
                let table = schema.quoted + ".\"checkpoints\""
                let query: PostgresQuery = """
                    INSERT INTO \(unescaped: table) AS c (projection, lease_epoch, owner) VALUES (\(projection), 1, \(owner))
                    ON CONFLICT (projection) DO UPDATE SET lease_epoch = c.lease_epoch + 1, owner = EXCLUDED.owner,
                      updated_at = now()
                    RETURNING lease_epoch
                    """
                var epoch: Int64 = 0
                for try await value in try await connection.query(query, logger: logger).decode(Int64.self) {
                    epoch = value
                }
                return ProjectionLease(
                    projection: projection, epoch: epoch, owner: owner, connection: connection, schema: schema,
                    queryDeadline: queryDeadline, logger: logger)
            }
        } catch {
            try? await connection.close()
            throw ProjectorPostgresError.wrapping(error, doing: "acquiring the lease", projection: projection)
        }
    }

    /// Takes the lease, runs `body`, releases it. Returns `nil` without running `body`
    /// when another instance holds the lease.
    public static func withLease<Result: Sendable>(
        projection: String,
        owner: String,
        connectionConfiguration: PostgresConnection.Configuration,
        schema: SQLIdentifier,
        logger: Logger,
        _ body: (ProjectionLease) async throws -> Result
    ) async throws -> Result? {
        guard
            let lease = try await acquire(
                projection: projection, owner: owner, connectionConfiguration: connectionConfiguration,
                schema: schema, logger: logger)
        else { return nil }
        do {
            let result = try await body(lease)
            await lease.release()
            return result
        } catch {
            await lease.release()
            throw error
        }
    }

    /// True while the lock's session is alive and no other instance has taken over
    /// (the row still carries this lease's epoch).
    public func isHeld() async -> Bool {
        guard !released.withLock({ $0 }), !connection.isClosed else { return false }
        let table = schema.quoted + ".\"checkpoints\""
        let query: PostgresQuery = "SELECT lease_epoch FROM \(unescaped: table) WHERE projection = \(projection)"
        do {
            return try await watched {
                for try await value in try await connection.query(query, logger: logger).decode(Int64.self) {
                    return value == epoch
                }
                return false
            }
        } catch {
            return false
        }
    }

    /// Releases the lock and closes the connection. Idempotent.
    public func release() async {
        let already = released.withLock { released in
            defer { released = true }
            return released
        }
        guard !already else { return }
        let key = Self.lockKey(for: projection)
        // A query on a connection the server already closed never returns (PostgresNIO), and a closed
        // session holds no lock anyway.
        if !connection.isClosed {
            _ = try? await watched { try await connection.query("SELECT pg_advisory_unlock(\(key))", logger: logger) }
        }
        try? await connection.close()
    }

    /// Runs `body` on the lease's connection, failing with `leaseNotHeld` after release.
    func onConnection<Result>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        guard !released.withLock({ $0 }) else {
            throw ProjectorPostgresError(.leaseNotHeld, "the lease was released", projection: projection)
        }
        // The lock session ended (server restart, pg_terminate_backend, network): the lock is gone, and a
        // query on the closed connection would never return.
        guard !connection.isClosed else {
            throw ProjectorPostgresError(
                .leaseNotHeld, "the lease's lock session was closed by the server or the network",
                projection: projection)
        }
        return try await watched { try await body(connection) }
    }

    /// Runs `operation`, a query on the lease's connection, under ``queryDeadline`` (see ``ConnectionWatchdog``):
    /// past the deadline the connection is closed, which fails the query; the lease is then lost, as it would be
    /// once the server noticed the dead session anyway.
    func watched<Result>(_ operation: () async throws -> Result) async throws -> Result {
        try await Self.watched(connection, deadline: queryDeadline, projection: projection, logger: logger, operation)
    }

    private static func watched<Result>(
        _ connection: PostgresConnection, deadline: Duration, projection: String, logger: Logger,
        _ operation: () async throws -> Result
    ) async throws -> Result {
        try await ConnectionWatchdog.run(
            closing: connection, after: deadline, logger: logger,
            warning: "a query on the lease connection took longer than \(deadline); closing it (the lease is lost)",
            metadata: ["projector.projection": "\(projection)"], operation)
    }
}
