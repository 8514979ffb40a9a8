public import Logging
public import PostgresNIO
public import ProjectorCore

/// This process's mark among the `projector run` instances sharing a database and a projector schema: a
/// session-level advisory lock in the two-key form (a hash of the schema, then a hash of the instance id) held on a
/// dedicated connection. Counting those locks in `pg_locks` tells every instance how many are alive, so each can
/// take its share of the projections. The lock ends with the session, so an instance that dies stops being counted
/// at once; one whose session was lost (a PostgreSQL restart) takes it again at its next ``ensurePresent()``.
public actor InstancePresence {
    let owner: String
    let schema: SQLIdentifier
    let connectionConfiguration: PostgresConnection.Configuration
    let logger: Logger
    private var connection: PostgresConnection
    private var left = false
    /// The re-mark in progress, awaited by overlapping ``ensurePresent()`` calls.
    private var marking: Task<PostgresConnection, any Error>?

    private init(
        owner: String, schema: SQLIdentifier, connectionConfiguration: PostgresConnection.Configuration,
        connection: PostgresConnection, logger: Logger
    ) {
        self.owner = owner
        self.schema = schema
        self.connectionConfiguration = connectionConfiguration
        self.connection = connection
        self.logger = logger
    }

    /// The first key of the presence locks of the instances keeping their tables in `schema`.
    static func lockClass(schema: SQLIdentifier) -> Int32 {
        Int32(truncatingIfNeeded: StableHash.lockKey("projector-instances:" + schema.name))
    }

    /// Marks this instance (`owner`) present among those of `schema` until ``leave()``.
    public static func enter(
        owner: String, schema: SQLIdentifier, connectionConfiguration: PostgresConnection.Configuration,
        logger: Logger
    ) async throws -> InstancePresence {
        let connection = try await mark(
            owner: owner, schema: schema, connectionConfiguration: connectionConfiguration, logger: logger)
        return InstancePresence(
            owner: owner, schema: schema, connectionConfiguration: connectionConfiguration, connection: connection,
            logger: logger)
    }

    /// Takes the mark again when its session was lost (not after ``leave()``). Overlapping calls (the actor is
    /// reentrant) share one attempt, so exactly one session ends up holding the mark.
    public func ensurePresent() async throws {
        guard connection.isClosed, !left else { return }
        if let marking {
            _ = try await marking.value
            return
        }
        let attempt = Task { [owner, schema, connectionConfiguration, logger] in
            try await Self.mark(
                owner: owner, schema: schema, connectionConfiguration: connectionConfiguration, logger: logger)
        }
        marking = attempt
        defer { marking = nil }
        let fresh = try await attempt.value
        if left {
            try? await fresh.close()
        } else {
            connection = fresh
        }
    }

    /// Connects and takes the presence lock; the connection holding it.
    private static func mark(
        owner: String, schema: SQLIdentifier, connectionConfiguration: PostgresConnection.Configuration,
        logger: Logger
    ) async throws -> PostgresConnection {
        let lockClass = lockClass(schema: schema)
        let connection = try await PostgresConnection.dedicated(
            connectionConfiguration, for: "to mark this instance present", logger: logger)
        let key = Int32(truncatingIfNeeded: StableHash.lockKey("instance:" + owner))
        do {
            // `try`: two instances with the same id count once, and neither waits for the other.
            try await connection.query("SELECT pg_try_advisory_lock(\(lockClass), \(key))", logger: logger)
        } catch {
            try? await connection.close()
            throw ProjectorPostgresError.wrapping(error, doing: "marking this instance present")
        }
        return connection
    }

    /// Ends the mark (closing its session releases the lock).
    public func leave() async {
        left = true
        try? await connection.close()
    }

    /// How many instances of `schema` are present in the database `client` connects to.
    public static func count(schema: SQLIdentifier, client: PostgresClient, logger: Logger) async throws -> Int {
        let lockClass = lockClass(schema: schema)
        let query: PostgresQuery = """
            SELECT count(*)::int8 FROM pg_locks
            WHERE locktype = 'advisory' AND objsubid = 2 AND granted AND classid::int8 = \(Int64(UInt32(bitPattern: lockClass)))
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """
        do {
            for try await count in try await client.query(query, logger: logger).decode(Int64.self) {
                return Int(count)
            }
        } catch {
            throw ProjectorPostgresError.wrapping(error, doing: "counting the running instances")
        }
        return 0
    }
}
