public import Logging
public import PostgresNIO
public import ProjectorCore

/// Follows the event log for one consumer: reads a batch, hands it over, reads again at
/// once while batches come back full, otherwise waits for a notification or the poll
/// interval. Transient database errors are retried with backoff; the cursor never skips.
public struct EventTailer<C: Clock>: Sendable where C.Duration == Duration {
    /// What the consumer wants after a batch.
    public enum Next: Sendable {
        /// Keep tailing.
        case `continue`
        /// Return from ``run(from:consume:)``.
        case stop
    }

    /// How the tailer reads.
    public struct Configuration: Sendable {
        /// Events per read (`events.batch_size`).
        public var batchSize: Int
        /// Read at least this often without notifications (`events.poll_interval`).
        public var pollInterval: Duration
        /// Which events to deliver.
        public var filter: EventFilter
        /// Backoff between retries of failed reads.
        public var retryBackoff: Backoff
        /// How long one live read may take before its connection is closed and the read retried: on a half-open
        /// connection (a network partition) it would otherwise never return (see ``EventReader/openReadConnection()``).
        public var readDeadline: Duration
        /// Told how long each live read and each wait for a wake-up took (`nil`: not timed).
        public var observer: (@Sendable (_ activity: TailerActivity, _ duration: Duration) -> Void)?

        /// Settings; the defaults are those of `events:`.
        public init(
            batchSize: Int = 1000,
            pollInterval: Duration = .seconds(1),
            filter: EventFilter = .all,
            retryBackoff: Backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(10)),
            readDeadline: Duration = .seconds(30)
        ) {
            self.batchSize = batchSize
            self.pollInterval = pollInterval
            self.filter = filter
            self.retryBackoff = retryBackoff
            self.readDeadline = readDeadline
        }

        /// Batch size and poll interval from `events:`.
        public init(_ events: ProjectorConfiguration.Events, filter: EventFilter = .all) {
            self.init(batchSize: events.batchSize, pollInterval: events.pollInterval, filter: filter)
        }
    }

    /// Where batches come from.
    public let reader: EventReader
    /// The shared LISTEN wake-up, or `nil` to rely on polling alone.
    public let notifier: EventNotifier?
    /// Batch size, poll interval, filter and retry backoff.
    public let configuration: Configuration
    let clock: C
    let logger: Logger

    /// - Parameters:
    ///   - reader: reads batches.
    ///   - notifier: the process's shared LISTEN connection; `nil` to rely on polling alone.
    ///   - clock: drives polling and backoff (inject a test clock).
    public init(
        reader: EventReader,
        notifier: EventNotifier?,
        configuration: Configuration,
        clock: C,
        logger: Logger
    ) {
        self.reader = reader
        self.notifier = notifier
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    /// Delivers every batch after `cursor`, in order, to `consume` — also empty ones, so the
    /// caller sees the watermark and its stall — until `consume` returns `.stop`, it throws,
    /// a non-transient error occurs, or the task is cancelled (then it returns).
    ///
    /// While batches come back full (catching up) it reads ahead: the next batch is read and decoded while
    /// `consume` works on the current one (``EventReader/readAhead(after:batchSize:filter:_:)``). Live tailing
    /// (batches not full) reads one batch at a time.
    public func run(
        from cursor: EventCursor,
        consume: (EventBatch) async throws -> Next
    ) async throws {
        let subscription = notifier?.subscribe()
        defer { subscription?.cancel() }
        let signal = subscription?.signal ?? WakeUpSignal()
        var cursor = cursor
        var stall = WatermarkStallTracker<C.Instant>()
        var backoff = configuration.retryBackoff
        var catchingUp = false
        // Every read runs on this connection, prepared (see EventReader.openReadConnection). It is closed after any
        // read error (a failed preparation would otherwise stay cached on it) and on return, and opened again on the
        // next read. `nil` while closed, and when the reader has no settings for it (then reads use the pool).
        var connection: PostgresConnection?
        /// Hands one batch to `consume`; true to go on.
        func deliver(_ batch: EventBatch) async throws -> Bool {
            var batch = batch
            batch.watermarkStall = stall.observe(
                watermark: batch.watermark, eventsAbove: batch.eventsAboveWatermark, now: clock.now)
            if let last = batch.lastCursor { cursor = last }
            return try await consume(batch) == .continue
        }
        func closeConnection() async {
            try? await connection?.close()
            connection = nil
        }
        do {
            following: while !Task.isCancelled {
                var full = false
                do {
                    // One the server closed while this waited (restart, pg_terminate_backend) is replaced at once.
                    if connection?.isClosed ?? true { connection = try await reader.openReadConnection() }
                    if catchingUp {
                        var stopped = false
                        try await reader.readAhead(
                            after: cursor, batchSize: configuration.batchSize, filter: configuration.filter,
                            on: connection
                        ) { batch in
                            do {
                                stopped = try await !deliver(batch)
                                return !stopped
                            } catch {
                                throw ConsumerFailure(error: error)
                            }
                        }
                        backoff.reset()
                        // Otherwise it returned after a batch that was not full: caught up for now.
                        if stopped { break following }
                    } else {
                        let started = clock.now
                        let batch = try await readLive(after: cursor, on: connection)
                        configuration.observer?(.read, started.duration(to: clock.now))
                        backoff.reset()
                        do {
                            guard try await deliver(batch) else { break following }
                        } catch {
                            throw ConsumerFailure(error: error)
                        }
                        full = batch.isFull
                    }
                } catch let failure as ConsumerFailure {
                    throw failure.error
                } catch where ProjectorPostgresError.isTransient(error) && !Task.isCancelled {
                    await closeConnection()
                    let delay = backoff.next()
                    logger.warning(
                        "reading events failed; retrying",
                        metadata: ["projector.error": "\(error)", "projector.position": "\(cursor)"])
                    do { try await clock.sleep(for: delay) } catch { break following }
                    continue
                }
                catchingUp = full
                if full { continue }
                let started = clock.now
                let signalled = await signal.wait(timeout: configuration.pollInterval, clock: clock)
                configuration.observer?(signalled ? .wakeUp : .poll, started.duration(to: clock.now))
            }
        } catch {
            await closeConnection()
            throw error
        }
        await closeConnection()
    }
}

extension EventTailer {
    /// One live read, on `connection` under ``Configuration/readDeadline`` (pooled when `nil`).
    private func readLive(after cursor: EventCursor, on connection: PostgresConnection?) async throws -> EventBatch {
        let read = { [configuration, reader] in
            try await reader.readBatch(
                after: cursor, limit: configuration.batchSize, filter: configuration.filter, on: connection)
        }
        guard let connection else { return try await read() }
        return try await ConnectionWatchdog.run(
            closing: connection, after: configuration.readDeadline, logger: logger,
            warning: "reading events took longer than \(configuration.readDeadline); closing the read connection",
            metadata: ["projector.position": "\(cursor)"], read)
    }
}

/// What an ``EventTailer`` reports to its ``EventTailer/Configuration/observer``.
public enum TailerActivity: Sendable, Hashable {
    /// One live read (not while reading ahead).
    case read
    /// A wait for new events that a notification ended.
    case wakeUp
    /// A wait for new events that ended at the poll interval.
    case poll
}

/// An error thrown by the tailer's consumer, kept apart from read errors (which are retried).
private struct ConsumerFailure: Error {
    var error: any Error
}

extension EventTailer where C == ContinuousClock {
    /// A tailer on the continuous clock.
    public init(reader: EventReader, notifier: EventNotifier?, configuration: Configuration, logger: Logger) {
        self.init(
            reader: reader, notifier: notifier, configuration: configuration, clock: ContinuousClock(), logger: logger)
    }
}
