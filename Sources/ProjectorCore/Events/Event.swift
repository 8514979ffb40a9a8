/// One event as delivered by the event source, already decoded (see `events.encoding`).
public struct Event: Sendable, Hashable {
    /// The event's id column (a UUID in the default layout), as text.
    public var id: String
    /// The event type (by default `data->>'event-id'`).
    public var type: String
    /// The aggregate id the event belongs to.
    public var stream: String
    /// The event's sequence number within its stream (1, 2, 3…).
    public var seq: Int64
    /// The service that wrote the event; a stream is identified by service and aggregate id.
    public var service: String
    /// Where the event sits in delivery order.
    public var cursor: EventCursor
    /// Creation time, RFC 3339 text as PostgreSQL reports it in JSON; empty when unknown (fixtures), and then
    /// `created_at` is absent from ``jsonValue``.
    public var createdAt: String
    /// The event payload.
    public var data: JSONValue

    /// Creates an event from its decoded columns; `createdAt` may be empty when unknown.
    public init(
        id: String,
        type: String,
        stream: String,
        seq: Int64,
        service: String,
        cursor: EventCursor,
        createdAt: String,
        data: JSONValue
    ) {
        self.id = id
        self.type = type
        self.stream = stream
        self.seq = seq
        self.service = service
        self.cursor = cursor
        self.createdAt = createdAt
        self.data = data
    }

    /// The identity of the event's stream: service and aggregate id.
    public var streamID: StreamID { StreamID(service: service, stream: stream) }

    /// The event as projections see it (`$event`):
    /// `{id, type, stream, seq, service, position, created_at, data}`.
    public var jsonValue: JSONValue {
        var object = JSONObject(minimumCapacity: 8)
        object["id"] = .string(id)
        object["type"] = .string(type)
        object["stream"] = .string(stream)
        object["seq"] = .int(Int(seq))
        object["service"] = .string(service)
        object["position"] = .int(Int(cursor.position))
        if !createdAt.isEmpty { object["created_at"] = .string(createdAt) }
        object["data"] = data
        return .object(object)
    }
}

/// A stream: the events of one aggregate in one service, numbered by `seq`.
public struct StreamID: Sendable, Hashable, CustomStringConvertible {
    /// The service that wrote the stream's events.
    public var service: String
    /// The aggregate id within `service`.
    public var stream: String

    /// Creates a stream identity from a service name and an aggregate id.
    public init(service: String, stream: String) {
        self.service = service
        self.stream = stream
    }

    /// `service/stream`, the form kept in document metadata.
    public var description: String { "\(service)/\(stream)" }
}
