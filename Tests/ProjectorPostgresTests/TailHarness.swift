import ProjectorCore
import ProjectorPostgres
import Synchronization

/// Collects what a tailer delivers, for assertions.
final class DeliveryLog: Sendable {
    private struct State {
        var events: [Event] = []
        var reads = 0
    }

    private let state = Mutex(State())

    func record(_ batch: EventBatch) -> Int {
        state.withLock { state in
            state.reads += 1
            state.events += batch.events
            return state.events.count
        }
    }

    var events: [Event] { state.withLock { $0.events } }
    var reads: Int { state.withLock { $0.reads } }
}

/// Runs `notifier` (if any) and `tailer` from the start while `write` runs, until the tailer
/// has delivered `expected` events or `timeout` passes. Returns the delivery log.
func tail(
    _ tailer: EventTailer<ContinuousClock>,
    notifier: EventNotifier?,
    expected: Int,
    timeout: Duration = .seconds(60),
    write: @Sendable () async throws -> Void
) async throws -> DeliveryLog {
    let log = DeliveryLog()
    try await withThrowingTaskGroup(of: Void.self) { group in
        if let notifier {
            group.addTask { await notifier.run() }
        }
        group.addTask {
            try await tailer.run(from: .start) { batch in
                log.record(batch) >= expected ? .stop : .continue
            }
        }
        try await write()
        // Wait for delivery to complete or the deadline.
        let deadline = ContinuousClock.now + timeout
        while log.events.count < expected, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        group.cancelAll()
        try await group.waitForAll()
    }
    return log
}
