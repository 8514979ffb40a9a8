public import Foundation

/// Runs short-lived commands for the fault-injection helpers without blocking a thread of the
/// cooperative pool: the caller suspends until the process exits.
public enum CommandRunner {
    /// Runs `executable` with `arguments`; returns its standard output.
    ///
    /// - Throws: ``FaultError`` `commandFailed` with the tail of standard error when the exit status is not 0.
    @discardableResult
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil
    ) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        // Drain both pipes concurrently so a chatty command never blocks on a full pipe.
        async let stdout = Self.readAll(output.fileHandleForReading)
        async let stderr = Self.readAll(errors.fileHandleForReading)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let text = String(decoding: await stdout, as: UTF8.self)
        let problems = String(decoding: await stderr, as: UTF8.self)
        guard status == 0 else {
            let name = URL(fileURLWithPath: executable).lastPathComponent
            let tail = problems.split(separator: "\n").suffix(3).joined(separator: " | ")
            throw FaultError(
                .commandFailed, "exit status \(status): \(tail)", context: "\(name) \(arguments.first ?? "")")
        }
        return text
    }

    /// Reads a pipe to its end on a thread of its own.
    static func readAll(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: handle.readDataToEndOfFile())
            }
        }
    }

    /// The repository root, found from this source file's location (the tests run from a checkout).
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Fault
            .deletingLastPathComponent()  // ProjectorTesting
            .deletingLastPathComponent()  // Sources
            .deletingLastPathComponent()
    }

    /// A fresh folder under the temporary directory, named after `prefix` and a random suffix.
    public static func temporaryFolder(_ prefix: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(prefix)-\(TestServers.uniqueSuffix())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
