/// What a projection does with one event type (`on.<event-type>`).
public struct EventHandler: Sendable {
    /// How the handler changes the document.
    public enum Action: Sendable {
        /// Expression form: the result is the whole new document; `null` deletes it; undefined changes nothing.
        case replace(ProjectionExpression)
        /// Mapping form: `set` fields (in definition order, all evaluated against the document before the
        /// handler; an undefined result removes the field), then `unset` fields.
        case update(set: [FieldAssignment], unset: [String])
        /// `delete: true`: the document becomes absent.
        case delete
    }

    /// The event type (`data->>'event-id'` by default).
    public let eventType: String
    /// Optional guard; the event is skipped (but counts as processed) unless it yields `true`.
    public let when: ProjectionExpression?
    /// Optional per-handler key, overriding the projection's `key`.
    public let key: ProjectionExpression?
    /// What the handler does.
    public let action: Action
    /// Where the handler is defined (the `on.<event-type>` key).
    public let location: SourceLocation

    /// Creates a handler.
    public init(
        eventType: String,
        when: ProjectionExpression? = nil,
        key: ProjectionExpression? = nil,
        action: Action,
        location: SourceLocation
    ) {
        self.eventType = eventType
        self.when = when
        self.key = key
        self.action = action
        self.location = location
    }
}

/// One `set` entry: a top-level document field and the expression that computes it.
public struct FieldAssignment: Sendable {
    /// The document field.
    public let field: String
    /// Its expression.
    public let expression: ProjectionExpression

    /// Creates an assignment.
    public init(field: String, expression: ProjectionExpression) {
        self.field = field
        self.expression = expression
    }
}
