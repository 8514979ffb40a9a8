public import Logging
public import ProjectorCore
import ProjectorPostgres
import ServiceLifecycle
import Synchronization
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
        /// How long a graceful shutdown may take before what still runs (a read or write waiting on a server that
        /// is down) is cancelled: the batch in hand is abandoned, its events are read again at the next start.
        /// Keeps SIGTERM/SIGINT within 10 s.
        public var shutdownGracePeriod: Duration = .seconds(7)
        /// How long a free projection beyond this instance's share waits for an instance below its share before
        /// this one takes it anyway (``LeaseBalancer``).
        public var shareGrace: Duration = .seconds(10)

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
        // A server that cannot be reached, or an admin port in use, stops the start at once, naming what.
        try await database.checkReachable()
        if let port = options.httpPort { try AdminServer.checkPortAvailable(port) }
        let notifier = try database.makeNotifier()
        let progress = SupervisorsService.Progress()
        let caughtUpElsewhere = options.once ? Self.caughtUpElsewhere(projections, database: database) : nil
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
            // Instances share the projections (DESIGN.md §6); `--once` takes whatever is free, to finish.
            var presence: InstancePresence?
            var balancer: LeaseBalancer?
            if !options.once {
                let schema = configuration.schema
                presence = try await InstancePresence.enter(
                    owner: options.owner, schema: schema,
                    connectionConfiguration: try database.connectionConfiguration(), logger: logger)
                balancer = LeaseBalancer(projectionCount: projections.count, grace: options.shareGrace) {
                    [database, presence] in
                    // After a PostgreSQL restart the mark is taken again, so the others count this instance.
                    try? await presence?.ensurePresent()
                    return try await InstancePresence.count(
                        schema: schema, client: database.client, logger: database.logger)
                }
            }
            for (projection, store) in zip(projections, prepared) {
                var hooks = SupervisorHooks.make(
                    for: projection, settings: settings, database: database, stores: stores, owner: options.owner)
                hooks.balancer = balancer
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
                        hooks: hooks,
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
                    service: SupervisorsService(
                        supervisors: supervisors, once: options.once, board: board, progress: progress,
                        caughtUpElsewhere: caughtUpElsewhere),
                    successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup
                )
            )
            var groupConfiguration = ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: options.shutdownSignals, logger: logger)
            groupConfiguration.maximumGracefulShutdownDuration = options.shutdownGracePeriod
            let group = ServiceGroup(configuration: groupConfiguration)
            do {
                try await group.run()
            } catch {
                await presence?.leave()
                throw error
            }
            await presence?.leave()
        }
        if options.once { try onceOutcome(progress.parked.withLock { $0 }, logger: logger) }
    }

    /// After `--once`: a projection left `failed` fails the command (it never reached the head); one left paused
    /// is only noted.
    static func onceOutcome(_ parked: [String: StatusBoard.Entry], logger: Logger) throws {
        var failures: [String] = []
        for (name, entry) in parked.sorted(by: { $0.key < $1.key }) {
            switch entry.state {
            case .failed:
                failures.append(entry.lastError ?? "projection \(name) failed")
            case .paused:
                logger.warning(
                    "paused: not caught up (projector resume to continue)",
                    metadata: [LogKey.projection: "\(name)"])
            default:
                continue
            }
        }
        guard failures.isEmpty else {
            throw RuntimeError(.refused, "failed before reaching the head: \(failures.joined(separator: "; "))")
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
///
/// Under `--once` a projection parked here (failed, or paused) can never reach the head, and one another instance
/// owns is never handed over: once every projection has caught up (here or on the other instance) or parked, the
/// remaining supervisors are cancelled, so the command ends instead of waiting for a resume or a lease.
struct SupervisorsService: Service {
    let supervisors: [ProjectionSupervisor]
    var once = false
    var board = StatusBoard()
    /// Which supervisors returned, and which were parked when `--once` stopped them.
    var progress = Progress()
    /// How often `--once` looks for projections that parked.
    var parkedCheckInterval: Duration = .milliseconds(200)
    /// Under `--once`: which of these unfinished projections are done without this instance (see
    /// ``ProjectorService/caughtUpElsewhere(_:database:)``); `allStandingBy` when none of them is owned here.
    typealias CaughtUpElsewhere = @Sendable (_ projections: [String], _ allStandingBy: Bool) async -> Set<String>
    var caughtUpElsewhere: CaughtUpElsewhere?

    func run() async throws {
        let finished = progress
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for supervisor in supervisors {
                group.addTask {
                    try await supervisor.run()
                    finished.names.withLock { _ = $0.insert(supervisor.projection.name) }
                    return false
                }
            }
            if once {
                _ = await caughtUpElsewhere?([], false)  // reads the head now, as the supervisors do
                group.addTask { await waitUntilAllFinishedOrParked(finished) }
            }
            // The watcher returns when every projection caught up or parked; then stop the parked supervisors.
            var cancelled = false
            while true {
                do {
                    guard let isWatcher = try await group.next() else { break }
                    if isWatcher {
                        cancelled = true
                        group.cancelAll()
                    }
                } catch where cancelled {
                    continue  // a supervisor ended by that cancellation (it had nothing left to do)
                }
            }
        }
    }

    /// The names of the supervisors that returned, and the board rows of those `--once` found parked.
    final class Progress: Sendable {
        let names = Mutex<Set<String>>([])
        let parked = Mutex<[String: StatusBoard.Entry]>([:])
    }

    private func waitUntilAllFinishedOrParked(_ finished: Progress) async -> Bool {
        while !Task.isCancelled {
            let done = finished.names.withLock { $0 }
            let entries = board.snapshot
            let unfinished = supervisors.map(\.projection.name).filter { !done.contains($0) }
            let parked = unfinished.filter { name in
                guard let entry = entries[name], entry.owned else { return false }
                return entry.state == .failed || entry.state == .paused
            }
            var waiting = unfinished.filter { !parked.contains($0) }
            let standby = waiting.filter { entries[$0]?.owned == false && entries[$0]?.state == .standby }
            if !waiting.isEmpty, let caughtUpElsewhere {
                let elsewhere = await caughtUpElsewhere(waiting, standby.count == waiting.count)
                waiting.removeAll { elsewhere.contains($0) }
            }
            if waiting.isEmpty {
                finished.parked.withLock { recorded in
                    for name in parked { recorded[name] = entries[name] }
                }
                return true
            }
            try? await Task.sleep(for: parkedCheckInterval)
        }
        return true
    }
}
