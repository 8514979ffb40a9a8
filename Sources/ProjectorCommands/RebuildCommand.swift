public import ArgumentParser
internal import Foundation
internal import Logging
internal import ProjectorCore
internal import ProjectorPostgres
internal import ProjectorRuntime
internal import Synchronization

/// `projector rebuild NAME [--no-swap] [--keep-old N] [--in-place]`: zero-downtime blue/green rebuild.
public struct RebuildCommand: AsyncParsableCommand {
    /// Name, abstract and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Replay the whole log into a new index/table, catch up, then switch readers over atomically.",
        discussion: """
            The live projection keeps serving the old index until the switch; for the last stretch it is paused \
            for a moment, the alias swapped in one call, and its checkpoint and version moved to the new build. \
            Interrupted? Run the same command again: it continues from its own checkpoint. DynamoDB has no \
            aliases: the new table is recorded in the checkpoint row (where `run` writes next), or use --in-place \
            to overwrite the live table under the new version (readers then see old and new documents mixed \
            until it ends).
            """
    )

    /// `--config FILE`, shared by every command.
    @OptionGroup public var global: GlobalOptions

    @Argument(help: "The projection.")
    var name: String

    @Flag(help: "Stop after loading; print the new index/table name and leave readers where they are.")
    var noSwap = false

    @Option(help: "Old indices/tables to keep after the swap.")
    var keepOld = 1

    @Flag(help: "DynamoDB: rebuild in the live table instead of a new one (needs a version bump).")
    var inPlace = false

    @Option(help: "Events per batch.")
    var batchSize = 5_000

    @Option(
        help: """
            Longest time in seconds between two checkpoints of the replay: changed documents are held in memory \
            (up to 100,000) and written together until then. 0 writes and checkpoints every batch.
            """)
    var checkpointInterval = 10.0

    /// Creates the command with default options; ArgumentParser fills them from the command line.
    public init() {}

    /// Rejects a negative `--keep-old` and a `--batch-size` below 1.
    public func validate() throws {
        if keepOld < 0 { throw ValidationError("--keep-old must be 0 or more, got \(keepOld)") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if !(checkpointInterval >= 0 && checkpointInterval <= 86_400) {
            throw ValidationError("--checkpoint-interval must be 0 to 86400 seconds, got \(checkpointInterval)")
        }
    }

    /// Rebuilds the projection into a new index or table, reporting progress on standard error,
    /// then prints where readers now are (or, with `--no-swap`, the new target's name).
    public func run() async throws {
        try await ServiceCommandSupport.reportingFailures {
            let configuration = try global.loadConfiguration()
            let projection = try OperationsCommandLine.projection(name, configuration)
            if inPlace, case .openSearch = projection.target {
                throw CommandFailure.usage(
                    "--in-place: \(name) writes to OpenSearch, whose rebuilds swap an alias; it is for DynamoDB targets")
            }
            var options = ProjectionRebuild.Options(owner: OperationsCommandLine.owner)
            options.swap = !noSwap
            options.keepOld = keepOld
            options.inPlace = inPlace
            options.batchSize = batchSize
            options.checkpointInterval = .milliseconds(Int64(checkpointInterval * 1_000))
            let reporter = ProgressReporter(terminal: OperationsCommandLine.standardErrorIsTerminal)
            let interruption = RebuildInterruption()
            let result: ProjectionRebuild.Result
            do {
                result = try await interruption.trapping {
                    try await OperationsCommandLine.withSession("rebuild", configuration) { session in
                        try await ProjectionRebuild(
                            projection: projection, database: session.database, stores: session.stores,
                            logger: session.logger
                        ).run(options) { progress in
                            reporter.report(progress, logger: session.logger)
                            try interruption.check()
                        }
                    }
                }
            } catch let failure as CommandFailure {
                reporter.finish()
                guard let signal = interruption.signal else { throw failure }
                // 128 + the signal's number, as a shell reports a command a signal ended.
                throw CommandFailure(
                    exitCode: 128 + signal.number,
                    message: "projector rebuild: \(name): interrupted (\(signal.name)); its checkpoint keeps what was "
                        + "done: run the same command again to continue")
            }
            reporter.finish()
            let summary =
                "\(result.events) events replayed, \(result.documentsWritten) document writes"
                + (result.resumed ? " (continued)" : "")
            if result.swapped {
                CommandSupport.printLine(
                    "\(name): switched to \(result.target), \(summary)"
                        + (result.deleted.isEmpty ? "" : "; deleted \(result.deleted.joined(separator: ", "))"))
            } else {
                CommandSupport.printLine("\(result.target)")
                CommandSupport.printError("\(name): loaded \(result.target), not swapped; \(summary)")
            }
        }
    }

    /// A progress bar redrawn at most 10 times a second on a terminal; a log line every 5 seconds otherwise.
    final class ProgressReporter: Sendable {
        let terminal: Bool
        private let last = Mutex<ContinuousClock.Instant?>(nil)
        private let drawn = Mutex(false)

        init(terminal: Bool) {
            self.terminal = terminal
        }

        func report(_ progress: RebuildProgress, logger: Logger) {
            let now = ContinuousClock.now
            let interval: Duration = terminal ? .milliseconds(100) : .seconds(5)
            let due = last.withLock { last in
                guard last.map({ now - $0 >= interval }) ?? true else { return false }
                last = now
                return true
            }
            guard due else { return }
            if terminal {
                drawn.withLock { $0 = true }
                FileHandle.standardError.write(Data(("\r" + progress.bar() + "  ").utf8))
            } else {
                logger.info(
                    "rebuild progress",
                    metadata: [
                        "projector.phase": "\(progress.phase.rawValue)",
                        "projector.events": "\(progress.done)/\(progress.total)",
                        "projector.events_per_s": "\(Int64(progress.rate))",
                        "projector.eta_s": "\(progress.remaining.map { "\($0.components.seconds)" } ?? "-")",
                    ])
            }
        }

        func finish() {
            if drawn.withLock({ $0 }) { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }
}
