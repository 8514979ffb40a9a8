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
    /// The projection version that wrote the document (`pv`).
    public var projectionVersion: Int

    // Streams: almost every document tracks exactly one (its own aggregate), kept inline without a dictionary,
    // by its name as written in `s` (`service/stream`), so a decoded document does not split it into new strings.
    /// `[service/stream]` of the primary stream, empty when there is none: the key list of `s`, shared by every
    /// write (and, for a decoded document, with the stored `s` object).
    private var primaryKey: [String] = []
    /// UTF-8 length of the primary stream's service (where its slash is).
    private var primaryServiceLength = 0
    private var primarySeq: Int64 = 0
    private var others: [StreamID: Int64] = [:]

    /// Last applied sequence per stream (`s`); only streams whose aggregate id is the document key.
    public var streams: [StreamID: Int64] {
        get {
            var all = others
            if let name = primaryKey.first {
                let bytes = Array(name.utf8)
                let service = String(decoding: bytes[..<primaryServiceLength], as: UTF8.self)
                let stream = String(decoding: bytes[(primaryServiceLength + 1)...], as: UTF8.self)
                all[StreamID(service: service, stream: stream)] = primarySeq
            }
            return all
        }
        set {
            primaryKey = []
            others = [:]
            for (id, seq) in newValue { setSequence(seq, service: id.service, stream: id.stream) }
        }
    }

    /// Empty metadata for a new document.
    public init(
        version: Int = 0, cursor: EventCursor? = nil, streams: [StreamID: Int64] = [:], projectionVersion: Int = 0
    ) {
        self.version = version
        self.cursor = cursor
        self.projectionVersion = projectionVersion
        if !streams.isEmpty { self.streams = streams }
    }

    /// Reads the `_projector` value of a stored document; missing or malformed parts read as empty.
    public init(json: JSONValue?) {
        self.init()
        guard case .object(let object)? = json else { return }
        // By position over the member lists: this runs once per loaded document.
        let fields = object.keyList
        let values = object.valueList
        // The layout `jsonValue` writes once there is a cursor (equal names compare without a call): no matching.
        if fields == Self.fieldsWithCursor {
            read("v", values[0])
            read("c", values[1])
            read("s", values[2])
            read("pv", values[3])
            return
        }
        for offset in fields.indices { read(fields[offset], values[offset]) }
    }

    /// Reads one member of `_projector`; unknown names and malformed values are ignored.
    @inline(__always)
    private mutating func read(_ field: String, _ value: JSONValue) {
        switch field {
        case "v":
            if case .int(let number) = value { version = number }
        case "c":
            if case .string(let text) = value { cursor = Self.parseCursor(text) }
        case "pv":
            if case .int(let number) = value { projectionVersion = number }
        case "s":
            if case .object(let streamObject) = value { readStreams(streamObject) }
        default:
            break
        }
    }

    private mutating func readStreams(_ streamObject: JSONObject) {
        let names = streamObject.keyList
        let sequences = streamObject.valueList
        for offset in names.indices {
            let name = names[offset]
            guard case .int(let value) = sequences[offset], let slash = Self.slashOffset(in: name) else { continue }
            if primaryKey.isEmpty {
                // The usual single stream: its key list is the one to write back, shared instead of rebuilt.
                primaryKey = names.count == 1 ? names : [name]
                primaryServiceLength = slash
                primarySeq = Int64(value)
            } else if let (service, stream) = Self.splitStreamName(name) {
                setSequence(Int64(value), service: service, stream: stream)
            }
        }
    }

    /// UTF-8 offset of the first slash in `name`, `nil` without one.
    static func slashOffset(in name: String) -> Int? {
        var utf8 = name.utf8
        if let offset = utf8.withContiguousStorageIfAvailable({ $0.firstIndex(of: UInt8(ascii: "/")) }) {
            return offset
        }
        // Text without contiguous UTF-8 (e.g. bridged): made native once.
        utf8 = String(decoding: Array(utf8), as: UTF8.self).utf8
        return utf8.withContiguousStorageIfAvailable { $0.firstIndex(of: UInt8(ascii: "/")) } ?? nil
    }

    /// True when `name` (`service/stream`, the slash at `serviceLength`) names the stream of `service` and `stream`:
    /// compared byte by byte, no string built.
    @inline(__always)
    static func name(_ name: String, serviceLength: Int, is service: String, _ stream: String) -> Bool {
        let nameBytes = name.utf8
        let serviceBytes = service.utf8
        let streamBytes = stream.utf8
        guard serviceBytes.count == serviceLength, nameBytes.count == serviceLength + 1 + streamBytes.count else {
            return false
        }
        let matched = nameBytes.withContiguousStorageIfAvailable { whole in
            serviceBytes.withContiguousStorageIfAvailable { serviceBuffer in
                streamBytes.withContiguousStorageIfAvailable { streamBuffer in
                    whole[serviceLength] == UInt8(ascii: "/")
                        && bytesEqual(UnsafeBufferPointer(rebasing: whole[(serviceLength + 1)...]), streamBuffer)
                        && bytesEqual(UnsafeBufferPointer(rebasing: whole[..<serviceLength]), serviceBuffer)
                }
            }
        }
        if let matched, let matched, let matched { return matched }
        return nameBytes.elementsEqual(serviceBytes + [UInt8(ascii: "/")] + streamBytes)
    }

    /// True when `lhs` and `rhs` (of equal length) hold the same bytes: compared eight at a time (stream names are
    /// usually 36-character UUIDs, compared twice per event folded).
    @inline(__always)
    static func bytesEqual(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        guard let left = lhs.baseAddress, let right = rhs.baseAddress else { return lhs.isEmpty }
        let count = lhs.count
        let leftRaw = UnsafeRawPointer(left)
        let rightRaw = UnsafeRawPointer(right)
        var offset = 0
        while offset + 8 <= count {
            if leftRaw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                != rightRaw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            {
                return false
            }
            offset += 8
        }
        while offset < count {
            if left[offset] != right[offset] { return false }
            offset += 1
        }
        return true
    }

    /// `service/stream` split at its first slash; `nil` without one.
    static func splitStreamName(_ name: String) -> (service: String, stream: String)? {
        let split = name.utf8.withContiguousStorageIfAvailable { bytes -> (service: String, stream: String)? in
            guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")) else { return nil }
            return (
                String(decoding: UnsafeBufferPointer(rebasing: bytes[..<slash]), as: UTF8.self),
                String(decoding: UnsafeBufferPointer(rebasing: bytes[(slash + 1)...]), as: UTF8.self)
            )
        }
        if let split { return split }
        // Text without contiguous UTF-8 (e.g. bridged): through the string's own indices.
        guard let slash = name.utf8.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        return (String(name[..<slash]), String(name[name.index(after: slash)...]))
    }

    /// The sequence applied for the stream, `nil` when the document does not track it.
    @inline(__always)
    func sequence(service: String, stream: String) -> Int64? {
        if let name = primaryKey.first, Self.name(name, serviceLength: primaryServiceLength, is: service, stream) {
            return primarySeq
        }
        if others.isEmpty { return nil }
        return others[StreamID(service: service, stream: stream)]
    }

    /// Records `seq` as the sequence applied for the stream; `keyList` is `[service/stream]` when at hand.
    @inline(__always)
    mutating func setSequence(_ seq: Int64, service: String, stream: String) {
        if let name = primaryKey.first {
            if Self.name(name, serviceLength: primaryServiceLength, is: service, stream) {
                primarySeq = seq
            } else {
                others[StreamID(service: service, stream: stream)] = seq
            }
        } else {
            primaryKey = [service + "/" + stream]
            primaryServiceLength = service.utf8.count
            primarySeq = seq
        }
    }

    public static func == (lhs: DocumentMetadata, rhs: DocumentMetadata) -> Bool {
        lhs.version == rhs.version && lhs.cursor == rhs.cursor && lhs.projectionVersion == rhs.projectionVersion
            && lhs.streams == rhs.streams
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(version)
        hasher.combine(cursor)
        hasher.combine(projectionVersion)
        hasher.combine(streams)
    }

    private static let fieldsWithCursor = ["v", "c", "s", "pv"]
    private static let fieldsWithoutCursor = ["v", "s", "pv"]

    /// The `_projector` value; streams sorted so equal metadata serializes identically.
    public var jsonValue: JSONValue {
        let streamObject: JSONObject
        if others.isEmpty {
            streamObject =
                primaryKey.isEmpty
                ? JSONObject() : JSONObject(distinctKeys: primaryKey, values: [.int(Int(primarySeq))])
        } else {
            var all = JSONObject(minimumCapacity: others.count + 1)
            for (id, seq) in streams.sorted(by: { ($0.key.service, $0.key.stream) < ($1.key.service, $1.key.stream) }) {
                all[id.service + "/" + id.stream] = .int(Int(seq))
            }
            streamObject = all
        }
        guard let cursor else {
            return .object(
                JSONObject(
                    distinctKeys: Self.fieldsWithoutCursor,
                    values: [.int(version), .object(streamObject), .int(projectionVersion)]))
        }
        let position = Self.cursorText(cursor)
        return .object(
            JSONObject(
                distinctKeys: Self.fieldsWithCursor,
                values: [.int(version), .string(position), .object(streamObject), .int(projectionVersion)]))
    }

    /// Sets `value` to ``jsonValue``. A value of the layout written for one primary stream with a cursor (what the
    /// previous write of the document stored) is updated in place, reusing its member lists.
    func write(into value: inout JSONValue) {
        guard let cursor, others.isEmpty, !primaryKey.isEmpty, case .object(var object) = value,
            object.keyList == Self.fieldsWithCursor, object.valueList.count == 4,
            case .object(var streamObject) = object.valueList[2], streamObject.keyList == primaryKey,
            streamObject.valueList.count == 1
        else {
            value = jsonValue
            return
        }
        // Moved out so the member lists are held once and change in place.
        value = .null
        object.valueList[2] = .null
        streamObject.keyList = primaryKey
        streamObject.valueList[0] = .int(Int(primarySeq))
        object.valueList[0] = .int(version)
        object.valueList[1] = .string(Self.cursorText(cursor))
        object.valueList[2] = .object(streamObject)
        object.valueList[3] = .int(projectionVersion)
        value = .object(object)
    }

    /// Sets the cursor to `cursor` when that is later than the current one.
    @inline(__always)
    mutating func advanceCursor(to cursor: EventCursor) {
        if let current = self.cursor, cursor <= current { return }
        self.cursor = cursor
    }

    /// `TX:POS` (as ``EventCursor/description``) written digit by digit into one buffer: a single string, built
    /// without allocating while it fits inline (up to 15 characters). This runs once per written document.
    static func cursorText(_ cursor: EventCursor) -> String {
        // 20 digits of UInt64, the colon, a sign and 19 digits of Int64.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 41) { buffer in
            var start = buffer.count
            func prepend(_ byte: UInt8) {
                start -= 1
                buffer[start] = byte
            }
            func prependDigits(of value: UInt64) {
                var rest = value
                repeat {
                    prepend(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10))
                    rest /= 10
                } while rest > 0
            }
            prependDigits(of: cursor.position.magnitude)
            if cursor.position < 0 { prepend(UInt8(ascii: "-")) }
            prepend(UInt8(ascii: ":"))
            prependDigits(of: cursor.transactionID)
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[start...]), as: UTF8.self)
        }
    }

    /// `TX:POS` as projector writes it (1–19 digits, a colon, 1–18 digits: no sign, cannot overflow), parsed
    /// byte by byte; `nil` for any other text, which ``parseCursor(_:)`` then reads with the standard parsers.
    private static func parsePlainCursor(_ bytes: UnsafeBufferPointer<UInt8>) -> EventCursor? {
        var index = 0
        var transaction: UInt64 = 0
        while index < bytes.count, index < 19, case let digit = bytes[index] &- UInt8(ascii: "0"), digit < 10 {
            transaction = transaction * 10 + UInt64(digit)
            index += 1
        }
        guard index > 0, index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
        index += 1
        let start = index
        var position: Int64 = 0
        while index < bytes.count, index - start < 18, case let digit = bytes[index] &- UInt8(ascii: "0"), digit < 10 {
            position = position * 10 + Int64(digit)
            index += 1
        }
        guard index > start, index == bytes.count else { return nil }
        return EventCursor(transactionID: transaction, position: position)
    }

    /// `TX:POS` without intermediate arrays (this runs once per loaded document).
    static func parseCursor(_ text: String) -> EventCursor? {
        if let plain = text.utf8.withContiguousStorageIfAvailable(parsePlainCursor), let plain { return plain }
        let utf8 = text.utf8
        guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")),
            let transaction = UInt64(Substring(utf8[..<colon])),
            let position = Int64(Substring(utf8[utf8.index(after: colon)...])), position >= 0
        else { return nil }
        return EventCursor(transactionID: transaction, position: position)
    }
}
