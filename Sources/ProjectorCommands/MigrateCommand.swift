public import ArgumentParser
internal import ProjectorCore
internal import ProjectorPostgres

/// `projector migrate`: install or upgrade projector's database objects.
public struct MigrateCommand: AsyncParsableCommand {
    /// Name, abstract and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Install or upgrade projector's tables, the event table's position/tx_id columns, index and trigger.",
        discussion: "Idempotent and safe to run from several instances at once (advisory lock, one transaction)."
    )

    /// `--config FILE`, shared by every command.
    @OptionGroup public var global: GlobalOptions

    /// Creates the command with default options; ArgumentParser fills them from the command line.
    public init() {}

    /// Runs the migrator and prints each action taken, or that everything is up to date.
    public func run() async throws {
        try await ServiceCommandSupport.reportingFailures {
            let configuration = try global.loadConfiguration()
            let report: MigrationReport
            do {
                report = try await ProjectorDatabase.withDatabase(
                    configuration: configuration, logger: ServiceCommandSupport.logger()
                ) { database in
                    try await database.migrator.migrate(client: database.client)
                }
            } catch {
                throw CommandFailure.failed("migrate", error)
            }
            let table = configuration.events.table
            if report.isUpToDate {
                CommandSupport.printLine("migrate: \(table) and schema \(configuration.schema) are up to date")
            } else {
                for action in report.actions { CommandSupport.printLine("migrate: \(action)") }
            }
        }
    }
}
