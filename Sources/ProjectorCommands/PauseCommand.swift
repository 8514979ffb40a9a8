public import ArgumentParser
internal import ProjectorCore
internal import ProjectorPostgres
internal import ProjectorRuntime

/// `projector pause NAME`: stops one projection on whichever instance owns it.
public struct PauseCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause a projection across all instances (the owner finishes its batch within about a second).",
        discussion: "`projector status` shows the state; `projector resume NAME` restarts it."
    )

    @OptionGroup public var global: GlobalOptions

    @Argument(help: "The projection.")
    var name: String

    public init() {}

    public func run() async throws {
        try await ServiceCommandSupport.reportingFailures {
            let configuration = try global.loadConfiguration()
            let projection = try OperationsCommandLine.projection(name, configuration)
            try await OperationsCommandLine.withSession("pause", configuration) { session in
                try await ProjectionControl(database: session.database, logger: session.logger).pause(projection)
            }
            CommandSupport.printLine("\(name): paused")
        }
    }
}
