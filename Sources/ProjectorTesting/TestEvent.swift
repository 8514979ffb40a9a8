public import ProjectorCore

/// An event to insert into a temporary event table.
public struct TestEvent: Sendable, Hashable {
    /// The `service_name` value (default `svc`).
    public var service: String
    /// Aggregate id; must be a UUID for the seed layout.
    public var stream: String
    /// The event's sequence number within its stream.
    public var seq: Int
    /// Stored in `data` under the table's type key (as given: include `:` for edd encoding).
    public var type: String
    /// Extra members of `data`.
    public var data: JSONObject

    /// Creates an event for `stream`; `service` defaults to `svc`, `data` to no extra members.
    public init(service: String = "svc", stream: String, seq: Int, type: String, data: JSONObject = [:]) {
        self.service = service
        self.stream = stream
        self.seq = seq
        self.type = type
        self.data = data
    }

    /// A fresh random UUID string, for aggregate ids.
    public static func uuid() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.map { byte -> String in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }
        return hex[0..<4].joined() + "-" + hex[4..<6].joined() + "-" + hex[6..<8].joined() + "-"
            + hex[8..<10].joined() + "-" + hex[10..<16].joined()
    }
}
