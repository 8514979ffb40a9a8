public import ProjectorCore
public import ProjectorPostgres

/// The part of the event log one projection reads: its service/type filter, whole-log scans in delivery order and
/// the per-stream reads that close gaps. Shared by preview, verify, rebuild and dead-letter retries.
public struct ProjectionLog: Sendable {
    /// The projection whose events are read.
    public let projection: Projection
    /// The reader used.
    public let reader: EventReader
    /// Whether scans read all of every event's `data`, not only the fields the projection uses.
    public let wholePayload: Bool

    /// A log view for `projection` over `reader`.
    ///
    /// - Parameter wholePayload: scan whole events (verify, preview: their results must not depend on the analysis
    ///   of which fields the projection reads); `false` reads only those fields when it can
    ///   (``Projection/eventDataFields``).
    public init(projection: Projection, reader: EventReader, wholePayload: Bool = false) {
        self.projection = projection
        self.reader = reader
        self.wholePayload = wholePayload
    }

    /// The SQL filter matching the projection's `source` (services and event types), and the data fields to read.
    public var filter: EventFilter {
        var filter = EventFilter(projection: projection)
        if wholePayload { filter.dataFields = nil }
        return filter
    }

    /// True when every document is keyed by the aggregate id of its events (the default `key` and no handler
    /// overriding it): a document's events are then exactly its stream(s).
    public var isStreamKeyed: Bool { Self.isStreamKeyed(projection) }

    /// True when every document of `projection` is keyed by the aggregate id of its events.
    public static func isStreamKeyed(_ projection: Projection) -> Bool {
        let source = projection.key.source.filter { !$0.isWhitespace }
        return (source == "$event.stream" || source == "$.stream")
            && projection.handlers.values.allSatisfy { $0.key == nil }
    }

    /// Reads a stream's events with seq in `seqs`, all types (the gap reader of ``BatchFold`` and ``BatchProcessor``).
    public var streamReader: BatchProcessor.StreamReader {
        { [reader] stream, seqs in
            try await reader.streamEvents(
                service: stream.service, stream: stream.stream, afterSeq: seqs.lowerBound - 1, upToSeq: seqs.upperBound)
        }
    }

    /// Calls `body` with every batch of the projection's events after `cursor`, in delivery order, up to the
    /// watermark at the time of each read, until a read comes back short (caught up) or past `limit`. The next batch
    /// is read and decoded while `body` works (``EventReader/readAhead(after:batchSize:filter:_:)``).
    ///
    /// - Parameters:
    ///   - limit: stop after the batch holding this cursor (events after it are dropped from that batch).
    ///   - body: gets each non-empty batch; return false to stop early.
    /// - Returns: the cursor of the last event handed over (`cursor` when none).
    @discardableResult
    public func scan(
        after cursor: EventCursor,
        upTo limit: EventCursor? = nil,
        batchSize: Int,
        _ body: ([Event]) async throws -> Bool
    ) async throws -> EventCursor {
        var position = cursor
        try Task.checkCancellation()
        try await reader.readAhead(after: cursor, batchSize: batchSize, filter: filter) { batch in
            try Task.checkCancellation()
            var events = batch.events
            var reachedLimit = false
            if let limit, let last = events.last, last.cursor > limit {
                events.removeAll { $0.cursor > limit }
                reachedLimit = true
            }
            if let last = events.last {
                position = last.cursor
                guard try await body(events) else { return false }
            }
            return !reachedLimit
        }
        return position
    }
}
