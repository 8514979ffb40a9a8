public import Logging
public import PostgresNIO
public import ProjectorCore

/// Everything projector needs from PostgreSQL, built from one configuration: the pooled
/// client, the event table layout, and factories for readers, tailers, the LISTEN
/// notifier, leases, checkpoints and dead letters.
///
/// `init` starts nothing. The pooled `client` must be run (`client.run()` in a task, or as
/// a service of a `ServiceGroup`); ``withDatabase(configuration:logger:_:)`` does that for
/// the length of a closure.
public struct ProjectorDatabase: Sendable {
    /// The configuration this was built from.
    public let configuration: ProjectorConfiguration
    /// The database URL (`postgres.url` or `DATABASE_URL`); its `description` hides the password.
    public let url: DatabaseURL
    /// The event table layout derived from `events:` and `schema`.
    public let layout: EventTableLayout
    /// The connection pool; it serves queries only while its `run()` is running.
    public let client: PostgresClient
    /// The logger handed to every reader, store and migrator built here.
    public let logger: Logger

    /// - Throws: `missingDatabaseURL` when neither `postgres.url` nor `DATABASE_URL` is set;
    ///   TLS setup errors for unreadable `sslrootcert` files.
    public init(configuration: ProjectorConfiguration, logger: Logger) throws {
        guard let url = configuration.postgres.url else {
            throw ProjectorPostgresError(
                .missingDatabaseURL, "no database configured: set postgres.url in projector.yaml or DATABASE_URL")
        }
        self.configuration = configuration
        self.url = url
        self.layout = EventTableLayout(configuration)
        self.logger = logger
        // The pool logs every failed connection attempt at info; projector reports the failure itself, once.
        var poolLogger = logger
        if poolLogger.logLevel > .debug { poolLogger.logLevel = max(poolLogger.logLevel, .warning) }
        self.client = PostgresClient(
            configuration: try url.clientConfiguration(
                maxConnections: configuration.postgres.maxConnections,
                connectTimeout: configuration.postgres.connectTimeout),
            backgroundLogger: poolLogger)
    }

    /// Settings for dedicated (non-pooled) connections: LISTEN and leases.
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        try url.connectionConfiguration(connectTimeout: configuration.postgres.connectTimeout)
    }

    /// A reader whose catch-up reads stream on a dedicated connection (see ``EventReader/streamingConnection``).
    public var reader: EventReader {
        var reader = EventReader(client: client, layout: layout, logger: logger)
        reader.streamingConnection = try? connectionConfiguration()
        return reader
    }
    /// A store for `<schema>.checkpoints` on the pooled client.
    public var checkpoints: CheckpointStore { CheckpointStore(client: client, schema: layout.schema, logger: logger) }
    /// A store for `<schema>.dead_letters` on the pooled client.
    public var deadLetters: DeadLetterStore { DeadLetterStore(client: client, schema: layout.schema, logger: logger) }
    /// A migrator for this layout.
    public var migrator: Migrator { Migrator(layout: layout, logger: logger) }

    /// The process's LISTEN connection; run it once (`notifier.run()` in a task) and share it.
    public func makeNotifier() throws -> EventNotifier {
        EventNotifier(connectionConfiguration: try connectionConfiguration(), channel: layout.channel, logger: logger)
    }

    /// A tailer with `events.batch_size` and `events.poll_interval`.
    public func makeTailer(notifier: EventNotifier?, filter: EventFilter = .all) -> EventTailer<ContinuousClock> {
        EventTailer(
            reader: reader, notifier: notifier,
            configuration: .init(configuration.events, filter: filter), logger: logger)
    }

    /// Tries to take the lease of `projection` (see ``ProjectionLease``).
    public func acquireLease(projection: String, owner: String) async throws -> ProjectionLease? {
        try await ProjectionLease.acquire(
            projection: projection, owner: owner, connectionConfiguration: try connectionConfiguration(),
            schema: layout.schema, logger: logger)
    }

    /// Creates the database handle, checks that the server can be reached (``checkReachable()``),
    /// runs its pool while `body` runs, then shuts it down.
    public static func withDatabase<Result>(
        configuration: ProjectorConfiguration,
        logger: Logger,
        _ body: (ProjectorDatabase) async throws -> Result
    ) async throws -> Result {
        let database = try ProjectorDatabase(configuration: configuration, logger: logger)
        try await database.checkReachable()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.client.run() }
            defer { group.cancelAll() }
            // Give the pool's run loop a moment to start, so the first lease does not log a warning.
            try await Task.sleep(for: .milliseconds(10))
            return try await body(database)
        }
    }
}
