public import ArgumentParser
internal import ProjectorCore
internal import ProjectorPostgres
internal import ProjectorRuntime

/// `projector verify NAME [--sample N] [--json]`: recompute documents from the log and diff them with the store.
public struct VerifyCommand: AsyncParsableCommand {
    /// Name, abstract and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute documents from the event log and compare them with the view store.",
        discussion: """
            Prints each drifted key with a JSON diff (expected = from the log, actual = stored). Exit status 0 when \
            nothing drifted, 1 when something did. Each stored document is recomputed only as far as its own \
            metadata says it got, so a view that is being updated shows no false drift.
            """
    )

    /// `--config FILE`, shared by every command.
    @OptionGroup public var global: GlobalOptions

    @Argument(help: "The projection.")
    var name: String

    @Option(help: "Check a random sample of this many stored documents instead of all.")
    var sample: Int?

    @Flag(help: "One JSON object per drifted document, then a summary object.")
    var json = false

    /// Creates the command with default options; ArgumentParser fills them from the command line.
    public init() {}

    /// Rejects a `--sample` below 1.
    public func validate() throws {
        if let sample, sample < 1 { throw ValidationError("--sample must be at least 1, got \(sample)") }
    }

    /// Recomputes documents from the log, prints each drift and a summary; exits 1 when anything drifted.
    public func run() async throws {
        try await ServiceCommandSupport.reportingFailures {
            let json = json
            let report = try await OperationsCommandLine.withProjection("verify", name, global) { projection, session in
                let live = try await session.database.checkpoints.read(projection.name)?.cursor ?? .start
                let verifier = ProjectionVerifier(
                    log: session.log(projection), target: try await session.liveTarget(projection), liveCursor: live,
                    logger: session.logger)
                return try await verifier.run(ProjectionVerifier.Options(sample: sample)) { drift in
                    if json {
                        CommandSupport.printLine(drift.jsonValue.serialized())
                    } else {
                        CommandSupport.printLine("\(drift.kind.rawValue) \(drift.key)")
                        for difference in drift.differences { CommandSupport.printLine("  \(difference)") }
                    }
                }
            }
            let summary: JSONValue = [
                "checked": .int(report.checked), "drifted": .int(report.drifted), "failures": .int(report.failures),
            ]
            if json {
                CommandSupport.printLine(JSONValue.object(["summary": summary]).serialized())
            } else {
                CommandSupport.printLine(
                    "\(report.checked) documents checked, \(report.drifted) drifted"
                        + (report.failures > 0 ? ", \(report.failures) events failed to fold" : ""))
            }
            if !report.isClean { throw ExitCode(1) }
        }
    }
}
