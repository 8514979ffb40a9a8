public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs short-lived commands for the fault-injection helpers without blocking a thread of the
/// cooperative pool: the caller suspends until the process exits.
///
/// Commands are started with `posix_spawn`, standard output and error going to files and every other
/// descriptor closed, then awaited with `waitpid` on a thread of their own: a daemon the command starts
/// (`pg_ctl start`) then holds nothing of ours, so the command's exit is seen as soon as it happens
/// (Foundation's `Process` waits for descriptors the daemon inherited).
public enum CommandRunner {
    /// Runs `executable` with `arguments` (in this process's environment); returns its standard output.
    ///
    /// - Throws: ``FaultError`` `commandFailed` with the tail of standard error when the exit status is not 0.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String]) async throws -> String {
        let folder = try temporaryFolder("projector-command")
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputFile = folder.appendingPathComponent("stdout").path
        let errorFile = folder.appendingPathComponent("stderr").path
        let name = URL(fileURLWithPath: executable).lastPathComponent
        let context = "\(name) \(arguments.first ?? "")"

        let pid = try spawn(executable, arguments, output: outputFile, errors: errorFile, context: context)
        let status = await exitStatus(of: pid)
        let text = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let problems = (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? ""
            let tail = problems.split(separator: "\n").suffix(3).joined(separator: " | ")
            throw FaultError(.commandFailed, "exit status \(status): \(tail)", context: context)
        }
        return text
    }

    private static func spawn(
        _ executable: String,
        _ arguments: [String],
        output: String,
        errors: String,
        context: String
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Everything else stays with us (glibc ignores a close of a descriptor closed meanwhile).
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard result == 0 else {
            throw FaultError(.commandFailed, "could not start: \(String(cString: strerror(result)))", context: context)
        }
        return pid
    }

    /// The exit status of `pid` (128 + signal when killed), waited for on a dedicated thread.
    private static func exitStatus(of pid: pid_t) async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                let signal = status & 0x7f
                continuation.resume(returning: signal == 0 ? (status >> 8) & 0xff : 128 + signal)
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
