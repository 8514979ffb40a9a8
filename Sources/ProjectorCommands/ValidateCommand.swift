public import ArgumentParser
internal import ProjectorCore

/// `projector validate [PATH]`: checks projection definitions without touching any server.
public struct ValidateCommand: AsyncParsableCommand {
    /// Name, abstract and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check projection definitions; print file:line:col: message per problem.",
        discussion: "Exit status 0 when every definition is valid, 1 when any has a problem."
    )

    @Argument(help: "A projections folder or one definition file (default: the configured folder, ./projections).")
    var path: String?

    @Option(help: "Configuration file, read for the projections folder when PATH is not given.")
    var config: String?

    /// Creates the command with default options; ArgumentParser fills them from the command line.
    public init() {}

    /// Loads the definitions and prints each problem, or `N projections OK`; exits 1 on any problem.
    public mutating func run() async throws {
        let folder: String
        do {
            folder = try CommandSupport.projectionsPath(path, config: config)
        } catch let failure as CommandFailure {
            CommandSupport.printError(failure.message)
            throw ExitCode(failure.exitCode)
        }
        let set = ProjectionLoader.load(path: folder)
        for error in set.errors {
            CommandSupport.printLine(error.description)
        }
        guard set.errors.isEmpty else { throw ExitCode(1) }
        let count = set.projections.count
        CommandSupport.printLine("\(count) projection\(count == 1 ? "" : "s") OK")
    }
}
