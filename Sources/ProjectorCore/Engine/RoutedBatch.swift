/// A batch after routing: each event the projection handles with its document key and `$event` value.
public struct RoutedBatch: Sendable {
    /// Handled events (and unhandled ones kept for stream tracking, with `handler == nil`), in batch order.
    public internal(set) var events: [RoutedEvent]
    /// The distinct document keys of handled events, in first-appearance order: what to fetch.
    public internal(set) var keys: [String]
    /// Events whose key could not be computed.
    public internal(set) var failures: [FoldFailure]

    init() {
        events = []
        keys = []
        failures = []
    }
}

/// One event of a batch with the document it goes to.
public struct RoutedEvent: Sendable {
    /// Index of the event in the batch.
    public let index: Int
    /// The document key (for tracking-only entries: the event's aggregate id).
    public let key: String
    /// Position of ``key`` in ``RoutedBatch/keys``; -1 when the key is not fetched (an unhandled event of a
    /// document no handled event touches).
    var slot: Int
    /// The handler with its compiled expressions; `nil` for an event the projection does not handle.
    let plan: FoldPlan.Handler?
    /// `$event`, when routing already built it for the evaluator.
    let json: JSONValue?

    /// The handler; `nil` for an event the projection does not handle, kept only so a loaded document keyed by
    /// its stream can advance its sequence through it.
    public var handler: EventHandler? { plan?.handler }
}

/// A missing stretch of a stream: the document has applied up to `afterSeq` but was handed `upToSeq`.
public struct StreamGap: Sendable, Hashable, CustomStringConvertible {
    /// The stream.
    public var stream: StreamID
    /// The last sequence applied to the document.
    public var afterSeq: Int64
    /// The sequence of the event that revealed the gap.
    public var upToSeq: Int64

    /// Creates a gap.
    public init(stream: StreamID, afterSeq: Int64, upToSeq: Int64) {
        self.stream = stream
        self.afterSeq = afterSeq
        self.upToSeq = upToSeq
    }

    /// The sequences to read from the log: `afterSeq+1 ... upToSeq`.
    public var missing: ClosedRange<Int64> { (afterSeq + 1)...upToSeq }

    public var description: String { "\(stream) seq \(afterSeq + 1)...\(upToSeq)" }
}

/// What folding one event into its document did.
public enum FoldStep: Sendable, Hashable {
    /// The handler ran (the document changed, was created or deleted, or stayed equal).
    case applied
    /// Already applied before (sequence or cursor at or below the document's); nothing changed.
    case duplicate
    /// Processed without change: the `when` guard was not true, or an unhandled event advanced the stream.
    case skipped
    /// An earlier event of the document's stream is missing; refold the gap, then fold the event again.
    case gap(StreamGap)
    /// The handler failed; the document is unchanged. (Boxed: the error is large, and every step is returned
    /// and switched over, so the common cases stay small.)
    indirect case failed(ProjectionRuntimeError)
}
