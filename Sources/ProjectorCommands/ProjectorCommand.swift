public import ArgumentParser

/// The `projector` command line: the root command and its subcommands.
public struct ProjectorCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "projector",
        abstract: "Keeps read models in OpenSearch or DynamoDB in step with a PostgreSQL event table.",
        subcommands: [
            RunCommand.self, StatusCommand.self, ValidateCommand.self, TestCommand.self, EvalCommand.self,
            MigrateCommand.self, EventsCommand.self, RebuildCommand.self, PreviewCommand.self, VerifyCommand.self,
            PauseCommand.self, ResumeCommand.self, DLQCommand.self, ResetCommand.self,
        ]
    )

    public init() {}
}
