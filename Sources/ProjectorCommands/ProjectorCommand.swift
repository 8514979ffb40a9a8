public import ArgumentParser

/// The `projector` command line: the root command and its subcommands.
public struct ProjectorCommand: AsyncParsableCommand {
    /// The command name, abstract and every subcommand.
    public static let configuration = CommandConfiguration(
        commandName: "projector",
        abstract: "Keeps read models in OpenSearch or DynamoDB in step with a PostgreSQL event table.",
        subcommands: [
            RunCommand.self, StatusCommand.self, ValidateCommand.self, TestCommand.self, EvalCommand.self,
            MigrateCommand.self, EventsCommand.self, RebuildCommand.self, PreviewCommand.self, VerifyCommand.self,
            PauseCommand.self, ResumeCommand.self, DLQCommand.self, ResetCommand.self,
        ]
    )

    /// Creates the root command; ArgumentParser dispatches to a subcommand.
    public init() {}
}
