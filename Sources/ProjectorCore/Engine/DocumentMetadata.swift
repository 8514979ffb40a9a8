/// projector's bookkeeping for one document, stored in its reserved `_projector` field:
/// `{"v": writes, "c": "tx:pos", "s": {"service/stream": seq}, "pv": projection version}`.
///
/// It makes replays harmless: an event at or below the recorded stream sequence (stream-keyed documents) or
/// cursor (other documents) was already applied and is skipped.
public struct DocumentMetadata: Sendable, Hashable {
    /// Write counter (`v`), one more per write of the document.
    public var version: Int
    /// The last delivered event processed for this document (`c`), `nil` before the first.
    public var cursor: EventCursor?
    /// Last applied sequence per stream (`s`); only streams whose aggregate id is the document key.
    public var streams: [StreamID: Int64]
    /// The projection version that wrote the document (`pv`).
    public var projectionVersion: Int

    /// Empty metadata for a new document.
    public init(
        version: Int = 0, cursor: EventCursor? = nil, streams: [StreamID: Int64] = [:], projectionVersion: Int = 0
    ) {
        self.version = version
        self.cursor = cursor
        self.streams = streams
        self.projectionVersion = projectionVersion
    }

    /// Reads the `_projector` value of a stored document; missing or malformed parts read as empty.
    public init(json: JSONValue?) {
        self.init()
        guard case .object(let object)? = json else { return }
        if case .int(let value)? = object["v"] { version = value }
        if case .string(let text)? = object["c"] { cursor = Self.parseCursor(text) }
        if case .int(let value)? = object["pv"] { projectionVersion = value }
        if case .object(let streamObject)? = object["s"] {
            streams.reserveCapacity(streamObject.count)
            for (name, seq) in streamObject {
                guard case .int(let value) = seq, let slash = name.firstIndex(of: "/") else { continue }
                let id = StreamID(service: String(name[..<slash]), stream: String(name[name.index(after: slash)...]))
                streams[id] = Int64(value)
            }
        }
    }

    /// The `_projector` value; streams sorted so equal metadata serializes identically.
    public var jsonValue: JSONValue {
        var object = JSONObject(minimumCapacity: 4)
        object["v"] = .int(version)
        if let cursor { object["c"] = .string(String(cursor.transactionID) + ":" + String(cursor.position)) }
        var streamObject = JSONObject(minimumCapacity: streams.count)
        if streams.count == 1, let (id, seq) = streams.first {
            streamObject[id.service + "/" + id.stream] = .int(Int(seq))
        } else {
            for (id, seq) in streams.sorted(by: { ($0.key.service, $0.key.stream) < ($1.key.service, $1.key.stream) }) {
                streamObject[id.service + "/" + id.stream] = .int(Int(seq))
            }
        }
        object["s"] = .object(streamObject)
        object["pv"] = .int(projectionVersion)
        return .object(object)
    }

    /// Sets the cursor to `cursor` when that is later than the current one.
    @inline(__always)
    mutating func advanceCursor(to cursor: EventCursor) {
        if let current = self.cursor, cursor <= current { return }
        self.cursor = cursor
    }

    /// `TX:POS` without intermediate arrays (this runs once per loaded document).
    static func parseCursor(_ text: String) -> EventCursor? {
        let utf8 = text.utf8
        guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")),
            let transaction = UInt64(Substring(utf8[..<colon])),
            let position = Int64(Substring(utf8[utf8.index(after: colon)...])), position >= 0
        else { return nil }
        return EventCursor(transactionID: transaction, position: position)
    }
}
