public import Logging
public import ProjectorCore
import ProjectorPostgres
import ServiceLifecycle
public import UnixSignals

/// `projector run`: one supervisor per projection, the shared LISTEN connection, the admin
/// HTTP server and the database pool, in one `ServiceGroup` that shuts down on SIGTERM/SIGINT
/// in order: supervisors first (each finishes its batch and commits), then HTTP, LISTEN and
/// the pool.
public enum ProjectorService {
    /// What to run.
    public struct Options: Sendable {
        /// Stop each projection once it has caught up with the head seen at start.
        public var once = false
        /// Admin HTTP port (`0` picks a free one, `nil` disables the server).
        public var httpPort: Int? = 9464
        /// Identifies this instance in checkpoints and logs.
        public var owner: String
        /// Called with the bound admin port once the server listens.
        public var onHTTPStart: @Sendable (Int) async -> Void = { _ in }
        /// Batch processing and lease timing.
        public var supervisor = ProjectionSupervisor.Configuration()
        /// Signals that start a graceful shutdown (none in tests, which cancel instead).
        public var shutdownSignals: [UnixSignal] = [.sigterm, .sigint]

        /// Options for the instance `owner`; every other setting starts at its default.
        public init(owner: String) {
            self.owner = owner
        }
    }

    /// Runs until a shutdown signal (or, with `once`, until every projection caught up).
    public static func run(
        configuration: ProjectorConfiguration,
        projections: [Projection],
        options: Options,
        environment: [String: String],
        metrics: ProjectorMetrics = ProjectorMetrics(),
        board: StatusBoard = StatusBoard(),
        logger: Logger
    ) async throws {
        let database = try ProjectorDatabase(configuration: configuration, logger: logger)
        let notifier = try database.makeNotifier()
        try await ViewStores.withViewStores(
            configuration: configuration, environment: environment, metrics: metrics, logger: logger
        ) {
            stores in
            var supervisors: [ProjectionSupervisor] = []
            var supervisorConfiguration = options.supervisor
            supervisorConfiguration.once = options.once
            supervisorConfiguration.retryBackoff = options.supervisor.retryBackoff
            let settings = try RuntimeSettings(configuration.runtime)
            // One instance at a time creates missing indexes/tables (instances starting together would otherwise
            // each put an index behind the same alias).
            let prepared = try await database.withBootstrapLock {
                var prepared: [any ViewStore] = []
                for projection in projections { prepared.append(try await stores.store(for: projection)) }
                return prepared
            }
            for (projection, store) in zip(projections, prepared) {
                supervisors.append(
                    ProjectionSupervisor(
                        projection: projection,
                        database: database,
                        notifier: notifier,
                        store: store,
                        metrics: metrics,
                        board: board,
                        owner: options.owner,
                        configuration: supervisorConfiguration,
                        hooks: SupervisorHooks.make(
                            for: projection, settings: settings, database: database, stores: stores,
                            owner: options.owner),
                        logger: logger
                    )
                )
            }
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: database.client),
                .init(service: NotifierService(notifier: notifier)),
            ]
            if let port = options.httpPort {
                let server = AdminServer.make(
                    port: port, metrics: metrics, board: board, logger: logger, onStart: options.onHTTPStart)
                services.append(.init(service: server))
            }
            services.append(
                .init(
                    service: SupervisorsService(supervisors: supervisors),
                    successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup
                )
            )
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: services,
                    gracefulShutdownSignals: options.shutdownSignals,
                    logger: logger
                )
            )
            try await group.run()
        }
    }
}

/// Keeps the LISTEN connection open until shutdown.
struct NotifierService: Service {
    let notifier: EventNotifier

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            await notifier.run()
        }
    }
}

/// Runs every supervisor concurrently; returns when all have returned (shutdown, or `--once`).
struct SupervisorsService: Service {
    let supervisors: [ProjectionSupervisor]

    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for supervisor in supervisors {
                group.addTask { try await supervisor.run() }
            }
            try await group.waitForAll()
        }
    }
}
