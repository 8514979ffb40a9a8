import Synchronization

/// What this instance knows about each projection it supervises, for `/health/ready`
/// and logs. Supervisors write their own row; the HTTP server reads the whole board.
public final class StatusBoard: Sendable {
    /// One projection's row.
    public struct Entry: Sendable, Hashable {
        /// The state this instance last saw the projection in.
        public var state: ProjectionState
        /// True when this instance holds the projection's lease.
        public var owned: Bool
        /// Committed events not yet projected (bounded while catching up, see `projector_lag_events`).
        public var lagEvents: Int64
        /// Age of the oldest event not yet projected, in seconds.
        public var lagSeconds: Double
        /// The last failure, one line; `nil` once a batch succeeds again.
        public var lastError: String?

        /// A row; only `state` is required.
        public init(
            state: ProjectionState,
            owned: Bool = false,
            lagEvents: Int64 = 0,
            lagSeconds: Double = 0,
            lastError: String? = nil
        ) {
            self.state = state
            self.owned = owned
            self.lagEvents = lagEvents
            self.lagSeconds = lagSeconds
            self.lastError = lastError
        }
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// An empty board.
    public init() {}

    /// Replaces or edits one projection's row.
    public func update(_ projection: String, _ change: (inout Entry) -> Void) {
        entries.withLock { entries in
            var entry = entries[projection] ?? Entry(state: .notStarted)
            change(&entry)
            entries[projection] = entry
        }
    }

    /// A copy of every row.
    public var snapshot: [String: Entry] {
        entries.withLock { $0 }
    }

    /// Ready when every projection this instance owns is running (or deliberately paused)
    /// and no further behind than `maximumLagSeconds`. Projections owned elsewhere don't count.
    public func readiness(maximumLagSeconds: Double) -> (ready: Bool, problems: [String]) {
        var problems: [String] = []
        for (name, entry) in snapshot.sorted(by: { $0.key < $1.key }) where entry.owned {
            switch entry.state {
            case .running:
                if entry.lagSeconds > maximumLagSeconds {
                    problems.append("\(name): \(Int(entry.lagSeconds))s behind")
                }
            case .paused, .standby, .notStarted:
                continue
            case .failed:
                problems.append("\(name): failed\(entry.lastError.map { ": \($0)" } ?? "")")
            case .rebuilding, .stopping:
                problems.append("\(name): \(entry.state.rawValue)")
            }
        }
        return (problems.isEmpty, problems)
    }
}
