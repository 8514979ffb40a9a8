public import ArgumentParser
internal import ProjectorCore
internal import ProjectorPostgres
internal import ProjectorRuntime

/// `projector pause NAME`: stops one projection on whichever instance owns it.
public struct PauseCommand: AsyncParsableCommand {
    /// Name, abstract and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause a projection across all instances (the owner finishes its batch within about a second).",
        discussion: "`projector status` shows the state; `projector resume NAME` restarts it."
    )

    /// `--config FILE`, shared by every command.
    @OptionGroup public var global: GlobalOptions

    @Argument(help: "The projection.")
    var name: String

    /// Creates the command with default options; ArgumentParser fills them from the command line.
    public init() {}

    /// Sets the pause flag in the projection's checkpoint row and prints `NAME: paused`.
    public func run() async throws {
        try await ServiceCommandSupport.reportingFailures {
            try await OperationsCommandLine.withProjection("pause", name, global) { projection, session in
                try await ProjectionControl(database: session.database, logger: session.logger).pause(projection)
            }
            CommandSupport.printLine("\(name): paused")
        }
    }
}
