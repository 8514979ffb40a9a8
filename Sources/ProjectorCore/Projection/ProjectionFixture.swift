/// A fixture test file (`projections/tests/*.yaml`, DESIGN.md §4): cases of given events and expected documents
/// for one projection.
public struct ProjectionFixture: Sendable {
    /// The projection under test.
    public var projection: String
    /// The cases, in file order.
    public var cases: [FixtureCase]
    /// Where the `projection` key is.
    public var location: SourceLocation

    /// Creates a fixture.
    public init(projection: String, cases: [FixtureCase], location: SourceLocation) {
        self.projection = projection
        self.cases = cases
        self.location = location
    }
}

/// One fixture case.
public struct FixtureCase: Sendable {
    /// The case name, unique in its file.
    public var name: String
    /// The events, in delivery order.
    public var given: [FixtureEvent]
    /// Expected documents by key; `nil` means the document must be absent. Keys not listed are not checked.
    public var expect: [(key: String, document: JSONValue?)]
    /// Where the case starts.
    public var location: SourceLocation

    /// Creates a case.
    public init(
        name: String, given: [FixtureEvent], expect: [(key: String, document: JSONValue?)], location: SourceLocation
    ) {
        self.name = name
        self.given = given
        self.expect = expect
        self.location = location
    }
}

/// A `given` event; what it leaves out gets a default when the case runs.
public struct FixtureEvent: Sendable, Hashable {
    /// `type` (required).
    public var type: String
    /// `stream` (required): the aggregate id.
    public var stream: String
    /// `seq`; default: one more than the previous event of the same stream in the case (1 for the first).
    public var seq: Int64?
    /// `service`; default: the first (alphabetically) of the projection's `source.services`, else `test`.
    public var service: String?
    /// `data`; default `{}`.
    public var data: JSONValue
    /// `created_at`; when absent, `$event.created_at` is undefined (a `set` field using it is left out).
    public var createdAt: String?
    /// `id`; default `event-<n>` (n = 1-based index in the case).
    public var id: String?

    /// Creates an event.
    public init(
        type: String, stream: String, seq: Int64? = nil, service: String? = nil, data: JSONValue = .object([:]),
        createdAt: String? = nil, id: String? = nil
    ) {
        self.type = type
        self.stream = stream
        self.seq = seq
        self.service = service
        self.data = data
        self.createdAt = createdAt
        self.id = id
    }
}

extension FixtureCase {
    /// The `given` events as delivered events: defaults filled in; cursor `n:n` for the n-th event (1-based).
    public func events(for projection: Projection) -> [Event] {
        let defaultService = projection.services?.sorted().first ?? "test"
        var lastSeq: [StreamID: Int64] = [:]
        var result: [Event] = []
        result.reserveCapacity(given.count)
        for (offset, item) in given.enumerated() {
            let number = offset + 1
            let stream = StreamID(service: item.service ?? defaultService, stream: item.stream)
            let seq = item.seq ?? ((lastSeq[stream] ?? 0) + 1)
            lastSeq[stream] = max(lastSeq[stream] ?? 0, seq)
            result.append(
                Event(
                    id: item.id ?? "event-\(number)",
                    type: item.type,
                    stream: item.stream,
                    seq: seq,
                    service: stream.service,
                    cursor: EventCursor(transactionID: UInt64(number), position: Int64(number)),
                    createdAt: item.createdAt ?? "",
                    data: item.data
                ))
        }
        return result
    }
}
