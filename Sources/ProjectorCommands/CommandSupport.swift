internal import Foundation
internal import ProjectorCore

/// Small helpers shared by the projection development commands (`validate`, `test`, `eval`).
enum CommandSupport {
    /// Writes a line to standard output.
    static func printLine(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Writes a line to standard error.
    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// True when `path` is an existing folder.
    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The projections folder: `path` when given, else the configuration's `projections` (from `--config`, or
    /// `./projector.yaml` when it exists), else `./projections`.
    static func projectionsPath(_ path: String?, config: String?) throws -> String {
        if let path { return path }
        let file = config ?? "projector.yaml"
        guard FileManager.default.fileExists(atPath: file) else {
            if config != nil { throw CommandFailure(exitCode: 2, message: "\(file): configuration file not found") }
            return "./projections"
        }
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
        else {
            throw CommandFailure(exitCode: 2, message: "\(file): cannot read the configuration file")
        }
        do {
            return try ProjectorConfiguration(yaml: text, file: file).projectionsPath
        } catch {
            throw CommandFailure(exitCode: 2, message: error.description)
        }
    }
}

/// An error that ends a command with a message on standard error and an exit code.
struct CommandFailure: Error, CustomStringConvertible {
    var exitCode: Int32
    var message: String

    var description: String { message }

    /// Bad usage or input: exit status 2.
    static func usage(_ message: String) -> CommandFailure {
        CommandFailure(exitCode: 2, message: message)
    }
}
