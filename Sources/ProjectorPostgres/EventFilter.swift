public import ProjectorCore

/// Which events a reader wants, and how much of their payload; `nil` means all. Applied in SQL.
public struct EventFilter: Sendable, Hashable {
    /// Only these `service_name` values.
    public var services: [String]?
    /// Only these (decoded) event types.
    public var types: [String]?
    /// Read only these top-level fields of `data` (and the event type's key), not the whole payload: a batch read
    /// then selects `data -> field` for each instead of the `data` column. `nil` reads all of it.
    public var dataFields: [String]?

    /// Creates a filter; `nil` for either list accepts every value, `nil` data fields read the whole payload.
    public init(services: [String]? = nil, types: [String]? = nil, dataFields: [String]? = nil) {
        self.services = services
        self.types = types
        self.dataFields = dataFields
    }

    /// The events `projection` handles (its services and event types), with only the data fields it reads
    /// (``Projection/eventDataFields``).
    public init(projection: Projection) {
        self.init(
            services: projection.services.map { $0.sorted() }, types: projection.eventTypes,
            dataFields: projection.eventDataFields)
    }

    /// No filter.
    public static let all = EventFilter()
}
