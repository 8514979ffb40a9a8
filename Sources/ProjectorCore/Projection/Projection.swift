/// A projection definition (`projections/<name>.yaml`, DESIGN.md §4), validated and with its expressions compiled.
public struct Projection: Sendable {
    /// The default key expression: the event's aggregate id.
    public static let defaultKeySource = "$event.stream"
    /// The default `initial` expression.
    public static let defaultInitialSource = #"{"id": $key}"#
    /// The reserved document field holding projector's metadata.
    public static let metadataField = "_projector"

    /// `projection`: unique name, `[a-z][a-z0-9_]*`.
    public let name: String
    /// `version`: bumped when the output changes (needs a rebuild); at least 1.
    public let version: Int
    /// `source.services`: the services whose events count; `nil` means all.
    public let services: Set<String>?
    /// `source.events` (default: the handled event types), in definition order.
    public let eventTypes: [String]
    /// `key`: computes the document key from `$event`.
    public let key: ProjectionExpression
    /// `target`: where the documents go.
    public let target: ProjectionTarget
    /// `initial`: the document a handler starts from when there is none (sees `$key`, `$event`).
    public let initial: ProjectionExpression
    /// `on`: handlers by event type.
    public let handlers: [String: EventHandler]
    /// `on_error`.
    public let onError: ErrorPolicy
    /// Stable hash of the definition text (16 hex digits); changes whenever the file changes.
    public let fingerprint: String
    /// Where the definition starts (its file, line 1 column 1 or the `projection` key).
    public let location: SourceLocation

    /// Creates a projection from already validated parts (the loader is the usual way in).
    public init(
        name: String,
        version: Int,
        services: Set<String>?,
        eventTypes: [String],
        key: ProjectionExpression,
        target: ProjectionTarget,
        initial: ProjectionExpression,
        handlers: [String: EventHandler],
        onError: ErrorPolicy,
        fingerprint: String,
        location: SourceLocation
    ) {
        self.name = name
        self.version = version
        self.services = services
        self.eventTypes = eventTypes
        self.key = key
        self.target = target
        self.initial = initial
        self.handlers = handlers
        self.onError = onError
        self.fingerprint = fingerprint
        self.location = location
    }

    /// The handler for an event, or `nil` when the projection ignores it (type not handled, service filtered out).
    @inlinable
    public func handler(for event: Event) -> EventHandler? {
        if let services, !services.contains(event.service) { return nil }
        return handlers[event.type]
    }
}
