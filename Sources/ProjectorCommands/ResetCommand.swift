public import ArgumentParser
internal import ProjectorCore
internal import ProjectorPostgres
internal import ProjectorRuntime

/// `projector reset NAME --to-start`: empty the view and replay the whole log into it in place. `--to-start` is
/// the explicit confirmation DESIGN.md §7 asks for; `--yes` is accepted for scripts that pass one anyway.
public struct ResetCommand: AsyncParsableCommand {
    /// Name, abstract and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Restart a projection from the first event, in place (for a view readers do not depend on).",
        discussion: """
            Empties the view (OpenSearch: a new empty index behind the alias; DynamoDB: deletes every item), moves \
            the checkpoint to the start under the definition's version and clears its error and dead letters; \
            `projector run` then replays the whole log. Readers see the view empty and filling up: for a view in \
            use, run `projector rebuild NAME` instead. While an instance runs the projection, it is paused for the \
            reset and resumed after it (unless it was paused before). With --keep-documents only the checkpoint \
            moves (a harmless replay).
            """
    )

    /// `--config FILE`, shared by every command.
    @OptionGroup public var global: GlobalOptions

    @Argument(help: "The projection.")
    var name: String

    @Flag(help: "Restart from the first event (required: it confirms the view is emptied and rebuilt in place).")
    var toStart = false

    @Flag(help: "Accepted for compatibility; --to-start already confirms.")
    var yes = false

    @Flag(help: "Keep the documents; only move the checkpoint.")
    var keepDocuments = false

    /// Creates the command with default options; ArgumentParser fills them from the command line.
    public init() {}

    /// Requires `--to-start`.
    public func validate() throws {
        guard toStart else { throw ValidationError("--to-start is required (the only reset target)") }
    }

    /// Empties the view (unless `--keep-documents`), moves the checkpoint to the start and prints what was cleared.
    public func run() async throws {
        try await ServiceCommandSupport.reportingFailures {
            let result = try await OperationsCommandLine.withProjection("reset", name, global) { projection, session in
                try await ProjectionReset(projection: projection, session: session)
                    .run(owner: OperationsCommandLine.owner, keepDocuments: keepDocuments)
            }
            CommandSupport.printLine("\(name): reset to the start (\(result.cleared))")
        }
    }
}
