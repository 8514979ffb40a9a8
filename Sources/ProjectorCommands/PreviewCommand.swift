public import ArgumentParser
internal import Foundation
internal import ProjectorCore
internal import ProjectorPostgres
internal import ProjectorRuntime

/// `projector preview NAME --key K [--at POSITION]`: the document K would have, folded from the log.
public struct PreviewCommand: AsyncParsableCommand {
    /// Name, abstract and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Print the document KEY would have, folded from the event log (writes nothing).",
        discussion: "Exit status 0 when events were folded, 1 when no event goes to the key."
    )

    /// `--config FILE`, shared by every command.
    @OptionGroup public var global: GlobalOptions

    @Argument(help: "The projection.")
    var name: String

    @Option(help: "The document key.")
    var key: String

    @Option(help: "Fold only events up to this cursor (TX:POS) or table position.")
    var at: String?

    /// Creates the command with default options; ArgumentParser fills them from the command line.
    public init() {}

    /// Folds the key's events (up to `--at`) and prints the resulting document as pretty JSON;
    /// exits 1 when no event goes to the key.
    public func run() async throws {
        try await ServiceCommandSupport.reportingFailures {
            let limit = try at.map { text in
                guard let limit = ProjectionPreview.Limit(text) else {
                    throw CommandFailure.usage("--at must be TX:POS or a position number (got '\(text)')")
                }
                return limit
            }
            let configuration = try global.loadConfiguration()
            let projection = try OperationsCommandLine.projection(name, configuration)
            let result: ProjectionPreview.Result
            do {
                result = try await ProjectorDatabase.withDatabase(
                    configuration: configuration, logger: ServiceCommandSupport.logger()
                ) { database in
                    let log = ProjectionLog(projection: projection, reader: database.reader, wholePayload: true)
                    return try await ProjectionPreview(log: log).run(key: key, limit: limit)
                }
            } catch {
                throw CommandFailure.failed("preview", error)
            }
            for failure in result.failures { CommandSupport.printError("warning: \(failure)") }
            guard result.events > 0 else {
                throw CommandFailure(exitCode: 1, message: "projector preview: no events of \(name) go to key '\(key)'")
            }
            CommandSupport.printLine(result.document.map { JSONValue.object($0).serialized(pretty: true) } ?? "null")
        }
    }
}
