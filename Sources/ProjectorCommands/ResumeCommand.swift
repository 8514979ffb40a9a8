public import ArgumentParser
internal import ProjectorCore
internal import ProjectorPostgres
internal import ProjectorRuntime

/// `projector resume NAME`: restarts a paused projection, or retries one parked on an error.
public struct ResumeCommand: AsyncParsableCommand {
    /// Name, abstract and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a paused projection, or let a projection stopped on an error (state failed) retry."
    )

    /// `--config FILE`, shared by every command.
    @OptionGroup public var global: GlobalOptions

    @Argument(help: "The projection.")
    var name: String

    /// Creates the command with default options; ArgumentParser fills them from the command line.
    public init() {}

    /// Clears the pause flag and a `failed` state in the checkpoint row and prints `NAME: resumed`.
    public func run() async throws {
        try await ServiceCommandSupport.reportingFailures {
            try await OperationsCommandLine.withProjection("resume", name, global) { projection, session in
                try await ProjectionControl(database: session.database, logger: session.logger).resume(projection.name)
            }
            CommandSupport.printLine("\(name): resumed")
        }
    }
}
