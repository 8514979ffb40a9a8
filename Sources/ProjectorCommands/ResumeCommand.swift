public import ArgumentParser
internal import ProjectorCore
internal import ProjectorPostgres
internal import ProjectorRuntime

/// `projector resume NAME`: restarts a paused projection, or retries one parked on an error.
public struct ResumeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a paused projection, or let a projection stopped on an error (state failed) retry."
    )

    @OptionGroup public var global: GlobalOptions

    @Argument(help: "The projection.")
    var name: String

    public init() {}

    public func run() async throws {
        try await ServiceCommandSupport.reportingFailures {
            let configuration = try global.loadConfiguration()
            _ = try OperationsCommandLine.projection(name, configuration)
            try await OperationsCommandLine.withSession("resume", configuration) { session in
                try await ProjectionControl(database: session.database, logger: session.logger).resume(name)
            }
            CommandSupport.printLine("\(name): resumed")
        }
    }
}
