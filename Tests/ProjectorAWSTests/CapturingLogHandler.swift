import Logging
import Synchronization

/// Collects every log line (message and metadata) so tests can check what would reach an operator's logs.
struct CapturingLogHandler: LogHandler {
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])

        func append(_ line: String) { self.lines.withLock { $0.append(line) } }

        var all: [String] { self.lines.withLock { $0 } }
    }

    let lines: Lines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
        self.lines.append("\(event.level) \(event.message) \(merged.sorted { $0.key < $1.key })")
    }

    /// A trace-level logger writing into `lines`.
    static func logger(_ lines: Lines) -> Logger {
        Logger(label: "projector.aws.test") { _ in CapturingLogHandler(lines: lines) }
    }
}
