import ArgumentParser
import Foundation
import ProjectorCommands

// Parse and run explicitly. A plain `await ProjectorCommand.main()` (and calling `run()` on an
// `any AsyncParsableCommand`) resolves to the synchronous ParsableCommand members under Swift 6.3, which print
// help instead of running the async subcommand; a generic function binds the async `run()` requirement.
func runAsync<Command: AsyncParsableCommand>(_ command: Command) async throws {
    var command = command
    try await command.run()
}

do {
    let command = try await ProjectorCommand.asyncParseAsRoot()
    if let asyncCommand = command as? any AsyncParsableCommand {
        try await runAsync(asyncCommand)
    } else {
        var syncCommand = command
        try syncCommand.run()
    }
} catch {
    // DESIGN.md §7: usage and configuration errors exit 2 (ArgumentParser's default is 64).
    if ProjectorCommand.exitCode(for: error) == .validationFailure {
        let message = ProjectorCommand.fullMessage(for: error)
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(2)
    }
    ProjectorCommand.exit(withError: error)
}
