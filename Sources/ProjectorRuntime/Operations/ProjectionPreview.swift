public import ProjectorCore
import ProjectorPostgres

/// `projector preview NAME --key K [--at POSITION]`: the document `K` would have, folded from the event log by the
/// same engine `run` uses. Writes nothing.
///
/// Stream-keyed projections read only the aggregate's stream(s); others scan the projection's events (filtered
/// by its services and types in SQL) and fold those routed to `K`.
public struct ProjectionPreview: Sendable {
    /// How far to fold.
    public enum Limit: Sendable, Hashable {
        /// Events at or before this cursor (`TX:POS`) in delivery order.
        case cursor(EventCursor)
        /// Events whose table `position` is at most this.
        case position(Int64)

        /// Parses `TX:POS` or a bare position.
        public init?(_ text: String) {
            if let cursor = EventCursor(text) {
                self = .cursor(cursor)
            } else if let position = Int64(text), position >= 0 {
                self = .position(position)
            } else {
                return nil
            }
        }

        func admits(_ event: Event) -> Bool {
            switch self {
            case .cursor(let cursor): event.cursor <= cursor
            case .position(let position): event.cursor.position <= position
            }
        }
    }

    /// What the fold gave.
    public struct Result: Sendable {
        /// The document without `_projector`; `nil` when the events leave none (never created, or deleted).
        public var document: JSONObject?
        /// Events routed to the key that were folded (handled, skipped by `when`, or failed).
        public var events: Int
        /// One line per event the definition failed on (the document is as `on_error: dead_letter` leaves it).
        public var failures: [String]
    }

    /// The events read.
    public let log: ProjectionLog
    /// Events per read when scanning the log.
    public var batchSize = 5_000

    /// A preview of `log.projection`.
    public init(log: ProjectionLog) {
        self.log = log
    }

    /// Folds the events of `key` (up to `limit`).
    public func run(key: String, limit: Limit? = nil) async throws -> Result {
        let fold = BatchFold(projection: log.projection)
        var state: DocumentState?
        var result = Result(document: nil, events: 0, failures: [])
        let gapReader = log.streamReader
        let readStream: (StreamID, ClosedRange<Int64>) async throws -> [Event] = { stream, seqs in
            let events = try await gapReader(stream, seqs)
            guard let limit else { return events }
            return events.filter { limit.admits($0) }
        }
        func foldBatch(_ events: [Event]) async throws {
            let folded = try await fold.run(
                events, restrictedTo: [key], load: { _ in state.map { [key: $0] } ?? [:] }, readStream: readStream)
            guard let document = folded.documents[key] else { return }
            state = document
            result.events += folded.applied + folded.skipped + folded.failures.count
            result.failures += folded.failures.map { "\($0.error)" }
        }
        if log.isStreamKeyed {
            var events = try await log.reader.streamEvents(stream: key)
            if let limit { events.removeAll { !limit.admits($0) } }
            events.sort { $0.cursor < $1.cursor }
            try await foldBatch(events)
        } else {
            let upTo: EventCursor? = if case .cursor(let cursor)? = limit { cursor } else { nil }
            try await log.scan(after: .start, upTo: upTo, batchSize: batchSize) { batch in
                if let limit, case .position = limit {
                    try await foldBatch(batch.filter { limit.admits($0) })
                } else {
                    try await foldBatch(batch)
                }
                return true
            }
        }
        result.document = state?.body
        return result
    }
}
