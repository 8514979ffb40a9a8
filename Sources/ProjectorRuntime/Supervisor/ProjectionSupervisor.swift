public import Logging
public import ProjectorCore
import ProjectorDynamoDB
import ProjectorOpenSearch
public import ProjectorPostgres
import Prometheus
public import ServiceLifecycle

/// Runs one projection on this instance: waits for its lease (one owner across all
/// instances), then tails the log from the checkpoint, processes batches into the view store
/// and commits the checkpoint after the store confirmed them. Hands the projection back when
/// the lease is lost, honours pause/resume, parks the projection on a `stop` error.
public struct ProjectionSupervisor: Service {
    /// Tunables with production defaults.
    public struct Configuration: Sendable {
        /// How often a standby instance tries to take the lease.
        public var leaseRetryInterval: Duration = .seconds(2)
        /// How often an owner re-reads its checkpoint row (pause flag, takeover) while busy.
        public var controlInterval: Duration = .seconds(1)
        /// How often lag is measured (it costs a count query).
        public var lagInterval: Duration = .seconds(2)
        /// While catching up (batches come back full), lag counts at most this many of the next events of the
        /// projection's services, whatever their type, so the measurement costs a bounded range of the `(tx_id,
        /// position)` index rather than a scan to the head (a type condition would make the planner sort every
        /// remaining event instead): the event lag then reads at least this much, and the lag in seconds is the age of
        /// the next events. `nil` always counts them all, of the projection's types only.
        public var catchUpLagLimit: Int? = 10_000
        /// Backoff after a failed batch (store down, database restarting).
        public var retryBackoff = Backoff(initial: .milliseconds(200), maximum: .seconds(15))
        /// Stop once caught up with the head seen at start (`projector run --once`).
        public var once = false
        /// Per-batch processing settings.
        public var processor = BatchProcessor.Configuration()
        /// While catching up, send a batch's writes while the next batch folds (``BatchProcessor/submit(_:)``).
        /// Off by default: measured on 2 cores it gained nothing beyond noise into the discarding store or
        /// osmem-server, and holds one more batch in memory (15–30 MB at 5,000 events a batch). Worth trying where
        /// the store's latency, not its throughput, bounds the catch-up.
        public var overlapWrites = false
        /// Told the duration of every step of the loop (`nil`, the default: nothing is timed beyond the metrics).
        public var stageObserver: PipelineStageObserver?

        /// The defaults: production settings.
        public init() {}
    }

    /// The projection supervised.
    public let projection: Projection
    let database: ProjectorDatabase
    let notifier: EventNotifier?
    let store: any ViewStore
    let metrics: ProjectionMetrics
    let processMetrics: ProjectorMetrics
    let board: StatusBoard
    let owner: String
    let configuration: Configuration
    let hooks: SupervisorHooks
    let logger: Logger

    /// A supervisor; starts nothing until ``run()``.
    public init(
        projection: Projection,
        database: ProjectorDatabase,
        notifier: EventNotifier?,
        store: any ViewStore,
        metrics: ProjectorMetrics,
        board: StatusBoard,
        owner: String,
        configuration: Configuration = Configuration(),
        hooks: SupervisorHooks = SupervisorHooks(),
        logger: Logger
    ) {
        self.hooks = hooks
        self.projection = projection
        self.database = database
        self.notifier = notifier
        self.store = store
        self.metrics = metrics.projection(projection.name)
        self.processMetrics = metrics
        self.board = board
        self.owner = owner
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: LogKey.projection] = "\(projection.name)"
        self.logger = logger
    }

    var filter: EventFilter {
        EventFilter(projection: projection)
    }

    /// Runs until cancelled (or, with `once`, until caught up): takes the lease when free, then reads,
    /// folds, writes and checkpoints batch after batch; on a lost lease, an error or a pause it steps back and
    /// tries again. Throws only for what no retry can fix (e.g. an unknown store target).
    public func run() async throws {
        let head = configuration.once ? try await database.reader.headCursor() : nil
        var backoff = configuration.retryBackoff
        setState(.standby, owned: false)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let balancer = hooks.balancer
            if let balancer, await !balancer.mayTake(projection.name) {
                // Beyond this instance's share: an instance below its share takes it first.
                setState(.standby, owned: false)
                try? await gracefulSleep(configuration.leaseRetryInterval)
                continue
            }
            let lease: ProjectionLease?
            do {
                lease = try await database.acquireLease(projection: projection.name, owner: owner)
            } catch {
                await balancer?.released(projection.name)
                logger.warning("could not try the lease", metadata: [LogKey.error: "\(error)"])
                try? await gracefulSleep(backoff.next())
                continue
            }
            guard let lease else {
                await balancer?.released(projection.name)
                setState(.standby, owned: false)
                try? await gracefulSleep(configuration.leaseRetryInterval)
                continue
            }
            await balancer?.took(projection.name)
            logger.info("took over projection", metadata: [LogKey.owner: "\(owner)"])
            let outcome: OwnershipOutcome
            do {
                outcome = try await own(lease, head: head)
                backoff.reset()
            } catch  where Task.isCancelled {
                outcome = .finished
            } catch {
                outcome = .retry
                logger.error("projection stopped on an error; retrying", metadata: [LogKey.error: "\(error)"])
                board.update(projection.name) { $0.lastError = "\(error)" }
                if error is OpenSearchError || error is DynamoDBError { metrics.sinkError(.unavailable) }
                // Keep lag current while the batch cannot land (store or database outage).
                if let stored = try? await database.checkpoints.read(projection.name) {
                    await measureLag(after: stored.cursor)
                }
            }
            await lease.release()
            await balancer?.released(projection.name)
            switch outcome {
            case .finished:
                setState(.standby, owned: false)
                return
            case .retry:
                setState(.standby, owned: false)
                try? await gracefulSleep(backoff.next())
            }
        }
        setState(.standby, owned: false)
    }

    enum OwnershipOutcome {
        /// Shut down, or caught up under `--once`.
        case finished
        /// Lost the lease or hit an error: release and try again.
        case retry
    }

    /// Works on the projection while holding `lease`.
    func own(_ lease: ProjectionLease, head: EventCursor?) async throws -> OwnershipOutcome {
        let checkpoints = database.checkpoints
        var checkpoint = try await checkpoints.register(projection.name, version: projection.version)
        try await checkpoints.verifyWithinLog(checkpoint, reader: database.reader)
        if checkpoint.projectionVersion != projection.version {
            if checkpoint.cursor == .start {
                try await checkpoints.setVersion(projection.name, projection.version)
            } else if let rebuild = hooks.rebuild, checkpoint.projectionVersion < projection.version {
                setState(.rebuilding, owned: true)
                logger.info("version changed: rebuilding (runtime.rebuild: auto)")
                try await rebuild(lease)
                return .retry
            } else {
                let message =
                    checkpoint.projectionVersion > projection.version
                    ? "the view was rebuilt with version \(checkpoint.projectionVersion), newer than this definition's "
                        + "\(projection.version): deploy the new definition"
                    : "definition version \(projection.version) differs from the view's version "
                        + "\(checkpoint.projectionVersion): run `projector rebuild \(projection.name)`"
                try await park(.failed, error: message, at: nil, lease: lease)
                return try await waitWhileParked(lease) ? .retry : .finished
            }
        }
        if checkpoint.paused {
            try await acknowledgePause(lease)
            return try await waitWhileParked(lease) ? .retry : .finished
        }

        let observer = configuration.stageObserver
        var store = try await hooks.store(for: checkpoint) ?? store
        if let observer { store = StageTimingStore(inner: store, observer: observer) }
        var processor = BatchProcessor(
            projection: projection,
            store: store,
            readStream: { [reader = database.reader] stream, seqs in
                try await reader.streamEvents(
                    service: stream.service, stream: stream.stream, afterSeq: seqs.lowerBound - 1,
                    upToSeq: seqs.upperBound)
            },
            deadLetter: { [deadLetters = database.deadLetters, name = projection.name] event, error in
                _ = try await deadLetters.add(projection: name, event: event, error: error)
            },
            configuration: configuration.processor,
            logger: logger
        )
        if checkpoint.state != ProjectionState.running.rawValue {
            try await checkpoints.setState(projection.name, state: ProjectionState.running.rawValue, lease: lease)
        }
        setState(.running, owned: true)
        var tailing = EventTailer<ContinuousClock>.Configuration(database.configuration.events, filter: filter)
        if let observer { tailing.observer = { activity, duration in observer(PipelineStage(activity), duration) } }
        let tailer = EventTailer(reader: database.reader, notifier: notifier, configuration: tailing, logger: logger)
        let clock = ContinuousClock()
        /// Runs `body`, telling the observer how long it took as `stage`.
        func timed<T>(_ stage: PipelineStage, _ body: () async throws -> T) async rethrows -> T {
            guard let observer else { return try await body() }
            let started = clock.now
            defer { observer(stage, clock.now - started) }
            return try await body()
        }
        var lastControl = clock.now
        var lastLag = clock.now - configuration.lagInterval
        var stop: OwnershipOutcome?

        try await withGracefulShutdownHandler {
            /// Commits the checkpoint of each finished batch in order; parks the projection at a stopped one.
            func commit(_ reports: [BatchReport], started: ContinuousClock.Instant) async throws -> Bool {
                for report in reports {
                    if let cursor = report.checkpoint {
                        try await timed(.checkpoint) { try await checkpoints.commit(cursor, lease: lease) }
                        checkpoint.cursor = cursor
                    }
                    record(report, duration: clock.now - started)
                    if let stoppedAt = report.stoppedAt {
                        try await park(.failed, error: report.stopError ?? "stopped", at: stoppedAt, lease: lease)
                        stop = try await waitWhileParked(lease) ? .retry : .finished
                        return false
                    }
                }
                return true
            }
            /// Finishes the batch in flight and commits its checkpoint.
            func flush() async throws -> Bool {
                let started = clock.now
                guard let report = try await timed(.process, { try await processor.drain() }) else { return true }
                return try await commit([report], started: started)
            }
            func consume(_ batch: EventBatch) async throws -> EventTailer<ContinuousClock>.Next {
                metricsWatermark(batch)
                // While catching up the writes of a batch overlap the fold of the next; after a batch that is not full
                // (nothing follows soon, or it is empty) the batch in flight is finished at once.
                let started = clock.now
                var reports: [BatchReport] = []
                if !batch.events.isEmpty {
                    reports = try await timed(.process) { try await processor.submit(batch.events) }
                }
                if !batch.isFull || !configuration.overlapWrites, processor.isWriting,
                    let last = try await timed(.process, { try await processor.drain() })
                {
                    reports.append(last)
                }
                if !reports.isEmpty {
                    guard try await commit(reports, started: started) else { return .stop }
                }
                if Task.isShuttingDownGracefully {
                    stop = try await flush() ? .finished : stop
                    return .stop
                }
                if clock.now - lastLag >= configuration.lagInterval || (batch.events.isEmpty && !batch.isFull) {
                    lastLag = clock.now
                    await timed(.lag) {
                        await measureLag(
                            after: checkpoint.cursor, limit: batch.isFull ? configuration.catchUpLagLimit : nil)
                    }
                }
                if let head, batch.events.isEmpty, !batch.isFull,
                    checkpoint.cursor >= head || batch.watermark > head.transactionID
                {
                    logger.info("caught up", metadata: [LogKey.position: "\(checkpoint.cursor)"])
                    stop = .finished
                    return .stop
                }
                if clock.now - lastControl >= configuration.controlInterval {
                    lastControl = clock.now
                    if let row = try await timed(.control, { try await checkpoints.read(projection.name) }) {
                        if row.leaseEpoch != lease.epoch {
                            logger.warning("another instance took the projection over")
                            await processor.abandon()
                            stop = .retry
                            return .stop
                        }
                        if row.paused {
                            guard try await flush() else { return .stop }
                            try await acknowledgePause(lease)
                            stop = try await waitWhileParked(lease) ? .retry : .finished
                            return .stop
                        }
                    }
                    if let balancer = hooks.balancer, await balancer.shouldHandOver(projection.name) {
                        guard try await flush() else { return .stop }
                        logger.info("handing the projection over to an instance below its share")
                        stop = .retry
                        return .stop
                    }
                }
                return .continue
            }
            do {
                try await tailer.run(from: checkpoint.cursor) { batch in
                    try await timed(.batch) { try await consume(batch) }
                }
                if stop == nil, !(try await flush()) { return }
            } catch {
                await processor.abandon()
                throw error
            }
        } onGracefulShutdown: {
            notifier?.wakeAll()
        }
        return stop ?? (Task.isShuttingDownGracefully || Task.isCancelled ? .finished : .retry)
    }

    /// Stays parked (paused or failed) until resumed, reset or taken over; true when work should resume.
    func waitWhileParked(_ lease: ProjectionLease) async throws -> Bool {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await gracefulSleep(configuration.controlInterval)
            guard let row = try await database.checkpoints.read(projection.name) else { return true }
            if row.leaseEpoch != lease.epoch { return true }
            if !row.paused && row.state != ProjectionState.failed.rawValue { return true }
        }
        return false
    }

    /// Records in the checkpoint row that this owner stopped for the pause flag (what `rebuild` waits for).
    func acknowledgePause(_ lease: ProjectionLease) async throws {
        try await database.checkpoints.setState(projection.name, state: ProjectionState.paused.rawValue, lease: lease)
        setState(.paused, owned: true)
    }

    func park(_ state: ProjectionState, error: String, at position: EventCursor?, lease: ProjectionLease) async throws {
        logger.error(
            "projection stopped",
            metadata: [LogKey.error: "\(error)", LogKey.position: "\(position.map { "\($0)" } ?? "-")"]
        )
        try await database.checkpoints.setState(
            projection.name, state: state.rawValue, lastError: error, errorPosition: position, lease: lease)
        setState(state, owned: true, error: error)
    }

    func record(_ report: BatchReport, duration: Duration) {
        metrics.eventsProcessed.increment(by: Int64(report.processed))
        metrics.batches.increment()
        metrics.batchDuration.recordNanoseconds(RetryPolicy.nanoseconds(duration))
        if report.refolds > 0 { metrics.refolds.increment(by: Int64(report.refolds)) }
        if report.conflicts > 0 { metrics.sinkError(.conflict, count: report.conflicts) }
        if report.rejectedDocuments > 0 { metrics.sinkError(.rejected, count: report.rejectedDocuments) }
        if report.deadLettered > 0 { metrics.deadLetters.increment(by: Int64(report.deadLettered)) }
        logger.debug(
            "batch committed",
            metadata: [
                LogKey.events: "\(report.processed)", LogKey.position: "\(report.checkpoint.map { "\($0)" } ?? "-")",
            ]
        )
    }

    func metricsWatermark(_ batch: EventBatch) {
        let stall = batch.watermarkStall
        let seconds = Double(stall.components.seconds) + Double(stall.components.attoseconds) / 1e18
        processMetrics.watermarkStallSeconds.set(to: seconds)
    }

    /// Measures lag after `cursor`: with a `limit`, the next events of the projection's services (any type), at most
    /// that many; without, every event the projection reads.
    func measureLag(after cursor: EventCursor, limit: Int? = nil) async {
        let filter = limit == nil ? filter : EventFilter(services: filter.services, types: nil)
        do {
            let lag = try await database.reader.lag(after: cursor, filter: filter, limit: limit)
            metrics.lagEvents.set(to: Double(lag.events))
            metrics.lagSeconds.set(to: lag.seconds)
            board.update(projection.name) {
                $0.lagEvents = lag.events
                $0.lagSeconds = lag.seconds
            }
        } catch {
            logger.debug("could not measure lag", metadata: [LogKey.error: "\(error)"])
        }
    }

    func setState(_ state: ProjectionState, owned: Bool, error: String? = nil) {
        metrics.setState(state)
        board.update(projection.name) {
            $0.state = state
            $0.owned = owned
            if let error { $0.lastError = error }
        }
    }

    /// Sleeps, returning early (by throwing) on graceful shutdown or cancellation.
    func gracefulSleep(_ duration: Duration) async throws {
        try await cancelWhenGracefulShutdown {
            try await Task.sleep(for: duration)
        }
    }
}
