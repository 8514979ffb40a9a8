#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import UnixSignals

/// SIGINT (Ctrl-C) and SIGTERM during `projector rebuild`: recorded instead of killing the process, so the rebuild
/// stops between two batches through its own error path — the live projection, if the rebuild paused it, is
/// resumed and the build's checkpoint keeps what was done. A signal during the switch-over (where no batch ends) is
/// only noted: the switch-over completes. A second signal gets the default action (the process ends).
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
                for await caught in signals {
                    let recorded = Signal(name: "\(caught)", number: caught.rawValue)
                    self.received.withLock { first in if first == nil { first = recorded } }
                    // A second signal, should stopping hang (a server that does not answer), ends the process the
                    // usual way.
                    restoreDefaultActions()
                }
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}

/// Gives SIGINT and SIGTERM their default action back (a file-level function: the class's `signal` property would
/// shadow the C function).
private func restoreDefaultActions() {
    for number in [SIGINT, SIGTERM] { _ = signal(number, SIG_DFL) }
}
