public import Logging
public import ProjectorCore
public import ProjectorPostgres

/// `projector rebuild NAME`: blue/green rebuild of a projection's view.
///
/// 1. Replays the whole log at full speed into a new target named after the version and a build id
///    (OpenSearch index `<alias>__v<version>_<build>` with refresh off and no replicas during the load; DynamoDB
///    table of the same form) — or, for DynamoDB `inPlace`, into the live table — with large batches and no
///    store reads for documents not yet written. Progress is kept in its own checkpoint row `<name>__rebuild`
///    (the target name in its metadata), so running it again after an interruption continues where it stopped.
/// 2. Switches over without losing what the live projection applies meanwhile: catches up to the head, pauses the
///    live projection (or takes its lease when nobody runs it), catches up the last stretch, then swaps the alias
///    in one `_aliases` call (DynamoDB: records the new table in the live checkpoint row, where `run` reads it),
///    moves the live checkpoint to the build's cursor and version, and resumes the live projection.
/// 3. Deletes old indices/tables beyond `keepOld`.
public struct ProjectionRebuild: Sendable {
    /// How to rebuild.
    public struct Options: Sendable {
        /// DynamoDB: rebuild into the live table (overwrite under the new version, then delete what the new
        /// version no longer produces) instead of a new table. Needs a version bump.
        public var inPlace = false
        /// Switch readers over at the end (false: stop after the replay and report the target's name).
        public var swap = true
        /// Old physical indices/tables kept after the swap. Default 1.
        public var keepOld = 1
        /// Events per read and per batch. Default 5,000.
        public var batchSize = 5_000
        /// Documents kept decoded between batches. Default 100,000: a view of up to that many documents is rebuilt
        /// without reading any document back from the new index or table (a miss costs a fetch per batch, as long as
        /// the write it waits behind); each costs about its decoded size in memory (well under 1 KB for small ones).
        public var cacheCapacity = 100_000
        /// Hold changed documents in memory across batches and write each once per stretch of the replay, however
        /// many events of the stretch change it (``BatchProcessor/WriteBehind``, up to ``cacheCapacity`` documents
        /// held). Default true. False: every batch is written and checkpointed before the next.
        public var writesBehind = true
        /// With ``writesBehind``: the longest stretch of the replay between two writes and checkpoints (how much
        /// an interruption can cost). Default 10 s.
        public var checkpointInterval: Duration = .seconds(10)
        /// With ``writesBehind``: write the held documents no batch touched in the last ``cacheCapacity`` events in
        /// the background while the replay folds on (``BatchProcessor/WriteBehind/untouchedAfter``). Default true.
        public var writesUntouchedEarly = true
        /// How long to wait for the live owner to acknowledge the pause.
        public var pauseTimeout: Duration = .seconds(120)
        /// Identifies this process in the checkpoint rows.
        public var owner: String

        /// Defaults, as `owner`.
        public init(owner: String) {
            self.owner = owner
        }
    }

    /// What the rebuild did.
    public struct Result: Sendable, Hashable {
        /// The physical index or table built.
        public var target: String
        /// True when it continued an interrupted build.
        public var resumed: Bool
        /// True when readers were switched to it.
        public var swapped: Bool
        /// Events replayed in this run.
        public var events: Int64
        /// Documents written (and deleted) in this run: fewer than events when documents are held across batches
        /// (``Options/writesBehind``).
        public var documentsWritten: Int64
        /// Old indices/tables deleted.
        public var deleted: [String]
    }

    /// The projection (the new definition).
    public let projection: Projection
    /// Event log, checkpoints and dead letters.
    public let database: ProjectorDatabase
    /// View store connections.
    public let stores: ViewStores
    let logger: Logger

    /// A rebuild of `projection`.
    public init(projection: Projection, database: ProjectorDatabase, stores: ViewStores, logger: Logger) {
        self.projection = projection
        self.database = database
        self.stores = stores
        var logger = logger
        logger[metadataKey: LogKey.projection] = "\(projection.name)"
        self.logger = logger
    }

    /// The checkpoint row of the build of `projection`.
    public static func buildRowName(_ projection: String) -> String { projection + "__rebuild" }

    var buildRow: String { Self.buildRowName(projection.name) }
    var log: ProjectionLog { ProjectionLog(projection: projection, reader: database.reader) }

    /// Runs the rebuild. `progress` is called after every batch.
    ///
    /// - Parameter liveLease: the live projection's lease when the caller owns it (the service rebuilding on a
    ///   version change); the switch-over then needs no pause.
    /// - Throws: ``RuntimeError`` `busy` when another rebuild of the projection runs; store and database errors
    ///   (the build's checkpoint keeps what was done: run it again to continue).
    public func run(
        _ options: Options,
        liveLease: ProjectionLease? = nil,
        progress: @Sendable (RebuildProgress) async throws -> Void = { _ in }
    ) async throws -> Result {
        if options.inPlace, case .openSearch = projection.target {
            throw RuntimeError(
                .targetMismatch, "--in-place is for DynamoDB targets; OpenSearch rebuilds swap an alias",
                projection: projection.name)
        }
        var buildLease = try await acquireBuildLease(options.owner)
        var quiet: LiveQuiet?
        do {
            var build = try await prepareBuild(options, lease: &buildLease)
            if options.inPlace {
                // Nothing else may write the live table while it is rebuilt in place.
                quiet = try await quiesceLive(options, liveLease: liveLease)
            }
            let replayed = try await replay(
                &build, phase: .replay, options: options, lease: buildLease, progress: progress)
            try await finishLoad(build)
            guard options.swap else {
                if let held = quiet {
                    quiet = nil
                    try await release(held)
                }
                await buildLease.release()
                logger.info("rebuild loaded; not swapped", metadata: ["projector.target": "\(build.target)"])
                return Result(
                    target: build.target, resumed: build.resumed, swapped: false, events: replayed,
                    documentsWritten: build.written, deleted: [])
            }
            if quiet == nil { quiet = try await quiesceLive(options, liveLease: liveLease) }
            guard let held = quiet else { throw CancellationError() }
            let caughtUp = try await replay(
                &build, phase: .catchUp, options: options, lease: buildLease, progress: progress)
            quiet = nil
            let deleted = try await switchOver(build, options: options, quiet: held)
            await buildLease.release()
            try await database.checkpoints.delete(buildRow)
            logger.info(
                "rebuild switched over",
                metadata: ["projector.target": "\(build.target)", LogKey.position: "\(build.cursor)"])
            return Result(
                target: build.target, resumed: build.resumed, swapped: true, events: replayed + caughtUp,
                documentsWritten: build.written, deleted: deleted)
        } catch {
            if let quiet { try? await release(quiet) }
            await buildLease.release()
            throw error
        }
    }

    /// The build's lease; `busy` when another process runs a rebuild of the projection.
    func acquireBuildLease(_ owner: String) async throws -> ProjectionLease {
        guard let lease = try await database.acquireLease(projection: buildRow, owner: owner) else {
            throw RuntimeError(
                .busy, "another rebuild of this projection is running (checkpoint row \(buildRow))",
                projection: projection.name)
        }
        return lease
    }

    /// Replays from the build's cursor until caught up; returns the number of events replayed.
    func replay(
        _ build: inout Build, phase: RebuildProgress.Phase, options: Options, lease: ProjectionLease,
        progress: @Sendable (RebuildProgress) async throws -> Void
    ) async throws -> Int64 {
        let total = try await database.reader.countEvents(after: build.cursor, filter: log.filter)
        let clock = ContinuousClock()
        let started = clock.now
        var done: Int64 = 0
        /// `done` at `cursor`: what a replay from the last checkpoint starts from.
        var doneAtCursor: Int64 = 0
        var written: Int64 = 0
        var cursor = build.cursor
        var processor = build.processor
        let name = projection.name
        /// Commits each finished batch's checkpoint in order; throws at a batch that stopped.
        func commit(_ reports: [BatchReport]) async throws {
            for report in reports {
                if let checkpoint = report.checkpoint {
                    try await database.checkpoints.commit(checkpoint, lease: lease)
                    cursor = checkpoint
                }
                if let stoppedAt = report.stoppedAt {
                    throw RuntimeError(
                        .refused,
                        "replay stopped at \(stoppedAt) under on_error: stop: \(report.stopError ?? "error"); "
                            + "fix the definition and run rebuild again to continue",
                        projection: name)
                }
                done += Int64(report.processed)
                written += Int64(report.written)
                if report.checkpoint != nil { doneAtCursor = done }
                try await progress(
                    RebuildProgress(phase: phase, done: done, total: max(total, done), elapsed: clock.now - started))
            }
        }
        while true {
            do {
                // The writes of one batch overlap the fold of the next (``BatchProcessor/submit(_:)``), or changed
                // documents are held across batches (write-behind).
                try await log.scan(after: cursor, batchSize: options.batchSize) { batch in
                    try await commit(try await processor.submit(batch))
                    return true
                }
                if let last = try await processor.drain() { try await commit([last]) }
                break
            } catch let error as RuntimeError where error.code == .writeBehindRefused && processor.writesBehind {
                // Conflicts and rejections are resolved per batch: go on from the last checkpoint that way.
                logger.warning(
                    "documents written together were refused; replaying batch by batch from the last checkpoint",
                    metadata: [LogKey.position: "\(cursor)", LogKey.error: "\(error.message)"])
                await processor.abandon()
                processor.stopWritingBehind()
                done = doneAtCursor
            } catch {
                await processor.abandon()
                throw error
            }
        }
        build.cursor = cursor
        build.processor = processor
        build.written += written
        return done
    }
}
