import Foundation
import Synchronization

/// A small Python program run beside a test (a TCP or HTTP proxy in front of a real server). It is started
/// from its script text, prints one line when it is ready (its port), answers each line written to its
/// standard input with one line, and exits when its standard input closes — so it never outlives the test
/// process, even when that is killed.
public final class ScriptedHelper: Sendable {
    /// The port the helper reported when it was ready.
    public let port: Int
    /// What the helper is, for error messages (e.g. "fault proxy").
    public let name: String
    private let process: Process
    private let channel: Mutex<Channel>

    private struct Channel {
        let input: FileHandle
        let output: FileHandle
        var buffered: [UInt8] = []

        /// The next line the helper prints, without its newline; `nil` once it exited.
        mutating func readLine() -> String? {
            while true {
                if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffered[..<newline], as: UTF8.self)
                    buffered.removeSubrange(...newline)
                    return line
                }
                let data = output.availableData
                if data.isEmpty { return nil }
                buffered.append(contentsOf: data)
            }
        }
    }

    /// Runs `script` with `python3` and `arguments`, and waits until it prints its port.
    public init(name: String, script: String, arguments: [String]) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "projector-\(name.replacingOccurrences(of: " ", with: "-"))-\(TestServers.uniqueSuffix()).py")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", file.path] + arguments
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var channel = Channel(input: input.fileHandleForWriting, output: output.fileHandleForReading)
        let line = channel.readLine() ?? ""
        // Python has read the script by the time it reports anything.
        try? FileManager.default.removeItem(at: file)
        guard let port = Int(line) else {
            process.terminate()
            throw FaultError(.helperDidNotStart, "reported '\(line)' instead of its port", context: name)
        }
        self.port = port
        self.name = name
        self.process = process
        self.channel = Mutex(channel)
    }

    /// Sends one command line and returns the helper's one-line answer.
    @discardableResult
    public func command(_ text: String) throws -> String {
        try channel.withLock { channel in
            guard process.isRunning else {
                throw FaultError(.helperDied, "exited before '\(text)'", context: name)
            }
            channel.input.write(Data((text + "\n").utf8))
            guard let reply = channel.readLine() else {
                throw FaultError(.helperDied, "no answer to '\(text)'", context: name)
            }
            return reply
        }
    }

    /// Stops the helper (closing its standard input makes it exit) and waits for it.
    public func stop() {
        channel.withLock { channel in try? channel.input.close() }
        process.waitUntilExit()
    }
}
