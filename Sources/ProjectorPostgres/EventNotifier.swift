public import Logging
public import PostgresNIO
public import ProjectorCore
import Synchronization

/// The process's one `LISTEN` connection, broadcasting "look now" to every tailer.
///
/// A notification carries no data; it only wakes readers. After every (re)connect all
/// subscribers are woken too, because notifications sent while disconnected are lost.
/// `run()` reconnects with capped, jittered exponential backoff until cancelled.
public final class EventNotifier: Sendable {
    /// Reconnect behaviour.
    public struct Configuration: Sendable {
        /// Backoff between reconnect attempts (default 100 ms doubling up to 10 s, jittered).
        public var reconnectBackoff = Backoff(initial: .milliseconds(100), maximum: .seconds(10))

        /// The default reconnect backoff.
        public init() {}
    }

    /// Counters for observability and tests.
    public struct Statistics: Sendable, Hashable {
        /// Notifications received since start.
        public var notifications = 0
        /// Successful LISTEN registrations (1 + reconnects).
        public var connections = 0
        /// Backend process id of the current LISTEN session, `nil` while disconnected.
        public var backendPID: Int32?
    }

    /// A tailer's registration; call ``cancel()`` (or let the tailer end) to unsubscribe.
    public struct Subscription: Sendable {
        let id: Int
        let signal: WakeUpSignal
        let notifier: EventNotifier

        /// Stops waking this subscriber.
        public func cancel() { notifier.unsubscribe(id) }
    }

    private struct State {
        var subscribers: [Int: WakeUpSignal] = [:]
        var nextID = 0
        var statistics = Statistics()
    }

    let connectionConfiguration: PostgresConnection.Configuration
    let channel: SQLIdentifier
    let configuration: Configuration
    let logger: Logger
    private let state = Mutex(State())

    /// - Parameters:
    ///   - connectionConfiguration: settings for the dedicated LISTEN connection.
    ///   - channel: the NOTIFY channel (`events.channel`).
    ///   - logger: background logger for connects and failures.
    public init(
        connectionConfiguration: PostgresConnection.Configuration,
        channel: SQLIdentifier,
        configuration: Configuration = .init(),
        logger: Logger
    ) {
        self.connectionConfiguration = connectionConfiguration
        self.channel = channel
        self.configuration = configuration
        self.logger = logger
    }

    /// Current counters.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Registers a subscriber; its signal starts pending so the first wait returns at once.
    public func subscribe() -> Subscription {
        let signal = WakeUpSignal()
        signal.signal()
        let id = state.withLock { state in
            state.nextID += 1
            state.subscribers[state.nextID] = signal
            return state.nextID
        }
        return Subscription(id: id, signal: signal, notifier: self)
    }

    func unsubscribe(_ id: Int) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: id) }
    }

    /// Wakes every subscriber.
    public func wakeAll() {
        let signals = state.withLock { Array($0.subscribers.values) }
        for signal in signals { signal.signal() }
    }

    /// Keeps a LISTEN session open until the task is cancelled, reconnecting on failure.
    public func run() async {
        var backoff = configuration.reconnectBackoff
        var connectionID = 0
        while !Task.isCancelled {
            connectionID += 1
            do {
                try await listenOnce(connectionID: connectionID) { backoff.reset() }
            } catch is CancellationError {
                break
            } catch {
                if Task.isCancelled { break }
                logger.warning(
                    "LISTEN connection lost; reconnecting",
                    metadata: ["projector.error": "\(ProjectorPostgresError.wrapping(error, doing: "LISTEN"))"])
            }
            state.withLock { $0.statistics.backendPID = nil }
            if Task.isCancelled { break }
            do {
                try await Task.sleep(for: backoff.next())
            } catch {
                break
            }
        }
        state.withLock { $0.statistics.backendPID = nil }
    }

    private func listenOnce(connectionID: Int, connected: () -> Void) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: connectionConfiguration, id: connectionID, logger: logger)
        do {
            var pid: Int32?
            for try await value in try await connection.query("SELECT pg_backend_pid()", logger: logger)
                .decode(Int32.self)
            {
                pid = value
            }
            try await connection.listen(on: channel.name) { notifications in
                connected()
                state.withLock {
                    $0.statistics.connections += 1
                    $0.statistics.backendPID = pid
                }
                logger.debug("listening for events", metadata: ["projector.channel": "\(channel.name)"])
                // Catch up: anything committed while we were not listening was not announced.
                wakeAll()
                for try await _ in notifications {
                    state.withLock { $0.statistics.notifications += 1 }
                    wakeAll()
                }
            }
            try? await connection.close()
            throw ProjectorPostgresError(.connectionFailed, "LISTEN connection ended")
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
