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
    /// `./projector.yaml` when it exists), else `./projections`. A `--config` file is checked even when `path` is
    /// given, as every command checks the configuration it is given.
    static func projectionsPath(_ path: String?, config: String?) throws -> String {
        let configuration = path == nil || config != nil ? try fileConfiguration(config) : nil
        return path ?? configuration?.projectionsPath ?? "./projections"
    }

    /// The configuration file alone (no environment), checked: `config`, else `./projector.yaml` when it exists;
    /// `nil` when neither applies. A missing `--config` file or a bad one throws a ``CommandFailure`` with exit 2.
    static func fileConfiguration(_ config: String?) throws -> ProjectorConfiguration? {
        let file = config ?? "projector.yaml"
        guard FileManager.default.fileExists(atPath: file) else {
            if config != nil { throw CommandFailure.usage("\(file): configuration file not found") }
            return nil
        }
        let text = try configurationText(file)
        do {
            return try ProjectorConfiguration(yaml: text, file: file)
        } catch {
            throw CommandFailure.usage(error.description)
        }
    }

    /// The UTF-8 text of the configuration file `file`. Read through a file handle, so that `/dev/null` and pipes
    /// (`--config <(…)`) read like files; a folder or an unreadable file throws a ``CommandFailure`` with exit 2.
    static func configurationText(_ file: String) throws -> String {
        guard !isDirectory(file), let handle = FileHandle(forReadingAtPath: file) else {
            throw CommandFailure.usage("\(file): cannot read the configuration file")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw CommandFailure.usage("\(file): cannot read the configuration file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CommandFailure.usage("\(file): the configuration file is not UTF-8 text")
        }
        return text
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
