/// Which events a reader wants; `nil` means all. Applied in SQL.
public struct EventFilter: Sendable, Hashable {
    /// Only these `service_name` values.
    public var services: [String]?
    /// Only these (decoded) event types.
    public var types: [String]?

    /// Creates a filter; `nil` for either list accepts every value.
    public init(services: [String]? = nil, types: [String]? = nil) {
        self.services = services
        self.types = types
    }

    /// No filter.
    public static let all = EventFilter()
}
