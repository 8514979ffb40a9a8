/// An event that a projection could not fold: an expression failed or returned something unusable.
///
/// The description is one line naming the projection, event type, cursor, document key, the handler part and
/// the JSONata code and message; it never prints document bodies.
public struct ProjectionRuntimeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case expressionFailed = "expression_failed"
            case invalidKey = "invalid_key"
            case invalidInitial = "invalid_initial"
            case invalidResult = "invalid_result"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A JSONata expression raised an error (see ``ProjectionRuntimeError/jsonata``).
        public static let expressionFailed = Code(.expressionFailed)
        /// The key expression gave no string or number (or an empty string).
        public static let invalidKey = Code(.invalidKey)
        /// `initial` gave no object.
        public static let invalidInitial = Code(.invalidInitial)
        /// A handler's expression form gave something other than an object, `null` or undefined,
        /// or a document with the reserved field.
        public static let invalidResult = Code(.invalidResult)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The projection.
    public var projection: String
    /// The failing event's type.
    public var eventType: String
    /// The failing event's stream.
    public var stream: StreamID
    /// The failing event's sequence in its stream.
    public var seq: Int64
    /// The failing event's position in delivery order.
    public var cursor: EventCursor
    /// The document the event was routed to, when the key was computed.
    public var documentKey: String?
    /// The part of the definition that failed, e.g. `on.money-deposited.set.balance`, `key`, `initial`.
    public var field: String
    /// Where that part is defined.
    public var location: SourceLocation?
    /// The JSONata error, for ``Code/expressionFailed``.
    public var jsonata: JSONataError?
    /// Short explanation (the JSONata message, or what was expected).
    public var message: String

    /// Creates an error.
    public init(
        code: Code,
        projection: String,
        event: Event,
        documentKey: String?,
        field: String,
        location: SourceLocation?,
        jsonata: JSONataError? = nil,
        message: String
    ) {
        self.code = code
        self.projection = projection
        self.eventType = event.type
        self.stream = event.streamID
        self.seq = event.seq
        self.cursor = event.cursor
        self.documentKey = documentKey
        self.field = field
        self.location = location
        self.jsonata = jsonata
        self.message = message
    }

    public var description: String {
        var text = "projection \(projection): event \(eventType) \(stream) seq \(seq) at \(cursor)"
        if let documentKey { text += ", document \(documentKey)" }
        text += ", \(field)"
        if let location { text += " (\(location))" }
        if let jsonata {
            text += ": \(jsonata.code): \(jsonata.message)"
            if let position = jsonata.position { text += " at col \(position)" }
        } else {
            text += ": \(message)"
        }
        return text
    }
}

/// An event of a batch that could not be folded, with its error.
public struct FoldFailure: Sendable, Hashable {
    /// Index in the batch of the delivered event being processed (for a failure during a refold: the event
    /// whose gap caused the refold).
    public var index: Int
    /// The event that failed (for a refold, the event read from the log).
    public var event: Event
    /// Why.
    public var error: ProjectionRuntimeError

    /// Creates a failure.
    public init(index: Int, event: Event, error: ProjectionRuntimeError) {
        self.index = index
        self.event = event
        self.error = error
    }
}
