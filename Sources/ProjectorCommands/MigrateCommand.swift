public import ArgumentParser
internal import ProjectorCore
internal import ProjectorPostgres

/// `projector migrate`: install or upgrade projector's database objects.
public struct MigrateCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Install or upgrade projector's tables, the event table's position/tx_id columns, index and trigger.",
        discussion: "Idempotent and safe to run from several instances at once (advisory lock, one transaction)."
    )

    @OptionGroup public var global: GlobalOptions

    public init() {}

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
