import Synchronization
import UnixSignals

/// SIGINT (Ctrl-C) and SIGTERM during `projector rebuild`: recorded instead of killing the process, so the rebuild
/// stops between two batches through its own error path — the live projection, if the rebuild paused it, is
/// resumed and the build's checkpoint keeps what was done. A signal during the switch-over (where no batch ends) is
/// only noted: the switch-over completes.
public final class RebuildInterruption: Sendable {
    /// A signal received: its name (`SIGINT`) and number.
    public struct Signal: Sendable, Hashable {
        /// `SIGINT` or `SIGTERM`.
        public var name: String
        /// The signal's number (2, 15).
        public var number: Int32
    }

    private let received = Mutex<Signal?>(nil)

    /// Nothing received yet.
    public init() {}

    /// The first signal received, if any.
    public var signal: Signal? { received.withLock { $0 } }

    /// Throws `CancellationError` once a signal was received; call it where the rebuild may stop (its progress
    /// callback, after each batch).
    public func check() throws {
        if signal != nil { throw CancellationError() }
    }

    /// Runs `body` while SIGINT and SIGTERM are trapped and recorded.
    public func trapping<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await signal in signals {
                    let recorded = Signal(name: "\(signal)", number: signal.rawValue)
                    self.received.withLock { first in if first == nil { first = recorded } }
                }
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}
