/// A JSON text that could not be parsed.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Byte offset of the problem in the input.
    public var offset: Int
    /// What was expected or found.
    public var message: String

    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

extension JSONValue {
    /// Parses JSON text (RFC 8259). Numbers without fraction or exponent that fit in
    /// 64 bits become `.int`, all others `.double`.
    public init(parsing text: String) throws(JSONParseError) {
        var text = text
        let result = text.withUTF8 { bytes in
            Result { () throws(JSONParseError) in try JSONValue(parsingUTF8: UnsafeRawBufferPointer(bytes)) }
        }
        self = try result.get()
    }

    /// Parses JSON from UTF-8 bytes.
    public init(parsing bytes: some Collection<UInt8>) throws(JSONParseError) {
        let result =
            bytes.withContiguousStorageIfAvailable { buffer in
                Result { () throws(JSONParseError) in try JSONValue(parsingUTF8: UnsafeRawBufferPointer(buffer)) }
            }
            ?? Array(bytes).withUnsafeBytes { buffer in
                Result { () throws(JSONParseError) in try JSONValue(parsingUTF8: buffer) }
            }
        self = try result.get()
    }

    /// Parses JSON from a buffer of UTF-8 bytes.
    public init(parsingUTF8 buffer: UnsafeRawBufferPointer) throws(JSONParseError) {
        var scratch = JSONParser.Scratch()
        self = try JSONParser.parse(buffer, scratch: &scratch)
    }

    /// A parser to keep for many JSON texts of the same shape, such as the payloads of one event table: it reuses
    /// its working space from text to text, and a top-level object with the same keys in the same order as the
    /// previous one shares that one's key list (no new key strings, no new key array). The values it returns are
    /// the same as ``JSONValue/init(parsingUTF8:)``'s.
    public struct ReusableParser: Sendable {
        var scratch = JSONParser.Scratch()

        /// A parser with empty working space.
        public init() {}

        /// Parses one JSON text from UTF-8 bytes. A text that is one plain scalar (a short integer, an ASCII string
        /// without escapes, a literal) is read without setting up the parser (``JSONParser/plainScalar(_:)``).
        public mutating func parse(_ buffer: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
            if let scalar = JSONParser.plainScalar(buffer) { return scalar }
            return try JSONParser.parse(buffer, scratch: &scratch)
        }
    }
}

/// A single-pass recursive descent JSON parser over raw UTF-8 bytes.
///
/// Members of the arrays and objects being parsed wait on one shared stack (``Scratch``) and move into arrays of
/// their exact size when the container closes, so a container costs one allocation (two for an object) however many
/// members it has.
struct JSONParser {
    static let maximumDepth = 512
    /// Objects with at most this many keys are checked for duplicate keys pairwise; larger ones through a set.
    static let pairwiseDuplicateCheckLimit = 16
    /// Members the working space of a ``JSONValue/ReusableParser`` keeps room for between texts.
    static let retainedScratchCapacity = 4096

    /// Working space kept between texts by ``JSONValue/ReusableParser``.
    struct Scratch: Sendable {
        /// Members of the open arrays and objects, innermost last.
        var values: [JSONValue] = []
        /// Keys of the open objects, innermost last.
        var keys: [String] = []
        /// Keys of the last top-level object without duplicate keys, shared by the next one when it has the same.
        var shape: [String] = []
        /// The UTF-8 bytes of ``shape``'s keys, one after the other, as they were written in the text (unescaped).
        var shapeBytes: [UInt8] = []
        /// Where each of ``shape``'s keys ends in ``shapeBytes``.
        var shapeEnds: [Int] = []
        /// True while the escape-free keys of ``shape`` are exactly the text of its keys.
        var shapeIsRaw = false
    }

    let bytes: UnsafeRawBufferPointer
    var offset = 0
    var scratch: Scratch

    init(bytes: UnsafeRawBufferPointer, scratch: Scratch = Scratch()) {
        self.bytes = bytes
        self.scratch = scratch
    }

    /// Parses a whole text, borrowing `scratch` for the duration.
    static func parse(_ buffer: UnsafeRawBufferPointer, scratch: inout Scratch) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: buffer)
        swap(&parser.scratch, &scratch)
        defer {
            // Room for a typical document stays; that of a huge one is given back.
            let keep = parser.scratch.values.capacity <= Self.retainedScratchCapacity
            parser.scratch.values.removeAll(keepingCapacity: keep)
            parser.scratch.keys.removeAll(keepingCapacity: keep)
            swap(&parser.scratch, &scratch)
        }
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.offset == buffer.count else {
            throw JSONParseError(offset: parser.offset, message: "unexpected text after the value")
        }
        return value
    }

    func fail(_ message: String) -> JSONParseError {
        JSONParseError(offset: offset, message: message)
    }

    mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): offset += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth < Self.maximumDepth else { throw fail("nesting deeper than \(Self.maximumDepth)") }
        guard offset < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[offset] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            throw fail("unexpected character")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let length = literal.utf8CodeUnitCount
        guard offset + length <= bytes.count else { throw fail("unexpected end of input") }
        let start = literal.utf8Start
        for index in 0..<length where bytes[offset + index] != start[index] {
            throw fail("invalid literal")
        }
        offset += length
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        offset += 1
        skipWhitespace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") {
            offset += 1
            return .object(JSONObject())
        }
        // A top-level object takes the remembered shape's keys while its keys match them, in order, and collects
        // its values straight into an array of the shape's size.
        var values: [JSONValue] = []
        var matched = 0
        if depth == 0, scratch.shapeIsRaw {
            values.reserveCapacity(scratch.shape.count)
            while matched < scratch.shape.count {
                try expectKey()
                guard matchesShapeKey(matched) else { break }
                matched += 1
                values.append(try parseMemberValue(depth: depth))
                guard try closesObject() else { continue }
                if matched == scratch.shape.count {
                    return .object(JSONObject(distinctKeys: scratch.shape, values: values))
                }
                let keys = Array(scratch.shape[..<matched])
                rememberShape(keys)
                return .object(JSONObject(distinctKeys: keys, values: values))
            }
        }
        // Any other object: its members wait on the scratch stacks, after those the shape matched.
        let keyBase = scratch.keys.count
        let valueBase = scratch.values.count
        scratch.keys.append(contentsOf: scratch.shape[..<matched])
        scratch.values.append(contentsOf: values)
        values = []
        defer { scratch.keys.removeLast(scratch.keys.count - keyBase) }
        repeat {
            try expectKey()
            scratch.keys.append(try parseString())
            scratch.values.append(try parseMemberValue(depth: depth))
        } while try !closesObject()
        values = Array(scratch.values[valueBase...])
        popValues(to: valueBase)
        let keys = Array(scratch.keys[keyBase...])
        guard Self.areDistinct(keys) else {
            // A later duplicate replaces the earlier value and keeps the first one's place.
            var object = JSONObject()
            for (key, value) in zip(keys, values) { object[key] = value }
            return .object(object)
        }
        if depth == 0 { rememberShape(keys) }
        return .object(JSONObject(distinctKeys: keys, values: values))
    }

    /// Skips whitespace and checks that a key starts here.
    mutating func expectKey() throws(JSONParseError) {
        skipWhitespace()
        guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else { throw fail("expected a key") }
    }

    /// The `: value` after a key of an object at `depth`.
    mutating func parseMemberValue(depth: Int) throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else { throw fail("expected ':'") }
        offset += 1
        skipWhitespace()
        return try parseValue(depth: depth + 1)
    }

    /// Moves past the `,` after an object member (false) or the `}` closing the object (true).
    mutating func closesObject() throws(JSONParseError) -> Bool {
        skipWhitespace()
        guard offset < bytes.count else { throw fail("unexpected end of input in object") }
        if bytes[offset] == UInt8(ascii: ",") {
            offset += 1
            return false
        }
        guard bytes[offset] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
        offset += 1
        return true
    }

    /// Drops the scratch values from `base` on (one at a time: cheaper than removing a range for a few members).
    mutating func popValues(to base: Int) {
        while scratch.values.count > base { scratch.values.removeLast() }
    }

    /// True when the key at `offset` is written exactly like the shape's key number `member`; moves past it then.
    mutating func matchesShapeKey(_ member: Int) -> Bool {
        let start = member == 0 ? 0 : scratch.shapeEnds[member - 1]
        let length = scratch.shapeEnds[member] - start
        // The opening quote, the key, the closing quote.
        guard offset + length + 2 <= bytes.count, bytes[offset + length + 1] == UInt8(ascii: "\"") else {
            return false
        }
        let first = offset + 1
        let equal = scratch.shapeBytes.withUnsafeBufferPointer { shape in
            for index in 0..<length where shape[start + index] != bytes[first + index] { return false }
            return true
        }
        if equal { offset += length + 2 }
        return equal
    }

    /// Remembers `keys` (distinct) as the shape the next top-level object is compared with.
    mutating func rememberShape(_ keys: [String]) {
        scratch.shape = keys
        scratch.shapeBytes.removeAll(keepingCapacity: true)
        scratch.shapeEnds.removeAll(keepingCapacity: true)
        // Keys that need escapes in the text (quote, backslash, control characters) are never matched raw.
        var raw = true
        for key in keys {
            for byte in key.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { raw = false }
                scratch.shapeBytes.append(byte)
            }
            scratch.shapeEnds.append(scratch.shapeBytes.count)
        }
        scratch.shapeIsRaw = raw
    }

    /// True when no key occurs twice.
    static func areDistinct(_ keys: [String]) -> Bool {
        if keys.count <= pairwiseDuplicateCheckLimit {
            for index in keys.indices.dropFirst() {
                for earlier in 0..<index where keys[earlier] == keys[index] { return false }
            }
            return true
        }
        return Set(keys).count == keys.count
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        offset += 1
        skipWhitespace()
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
            offset += 1
            return .array([])
        }
        let base = scratch.values.count
        while true {
            skipWhitespace()
            scratch.values.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard offset < bytes.count else { throw fail("unexpected end of input in array") }
            if bytes[offset] == UInt8(ascii: ",") {
                offset += 1
            } else if bytes[offset] == UInt8(ascii: "]") {
                offset += 1
                break
            } else {
                throw fail("expected ',' or ']'")
            }
        }
        let array = Array(scratch.values[base...])
        popValues(to: base)
        return .array(array)
    }

    /// Moves `offset` to the first byte from `offset` that may end the plain run of a string (quote, backslash or
    /// control character), eight bytes at a time, or to the last eight bytes of the text.
    mutating func skipPlainStringBytes() {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while offset + 8 <= bytes.count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            let quote = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
            let backslash = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
            // A byte of each is zero exactly where `word` holds a quote or a backslash; `x - 1` borrows into the
            // high bit of a zero byte (or of one below 0x20 for `word - 0x20`), `~x` keeps the bytes below 0x80.
            let zeroQuote = (quote &- ones) & ~quote
            let zeroBackslash = (backslash &- ones) & ~backslash
            let control = (word &- ones &* 0x20) & ~word
            if (zeroQuote | zeroBackslash | control) & highs != 0 { return }
            offset += 8
        }
    }

    mutating func parseString() throws(JSONParseError) -> String {
        offset += 1
        let start = offset
        skipPlainStringBytes()
        // Fast path: no escapes.
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                let string = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
                offset += 1
                return string
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw fail("control character in string") }
            offset += 1
        }
        var scalars: [UInt8] = Array(bytes[start..<offset])
        while offset < bytes.count {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                return String(decoding: scalars, as: UTF8.self)
            case UInt8(ascii: "\\"):
                offset += 1
                guard offset < bytes.count else { throw fail("unterminated escape") }
                let escape = bytes[offset]
                offset += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): scalars.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): scalars.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try parseHex4()
                    if (0xD800...0xDBFF).contains(code) {
                        let high = code
                        code = 0xFFFD
                        if offset + 5 < bytes.count, bytes[offset] == UInt8(ascii: "\\"),
                            bytes[offset + 1] == UInt8(ascii: "u")
                        {
                            let saved = offset
                            offset += 2
                            let low = try parseHex4()
                            if (0xDC00...0xDFFF).contains(low) {
                                code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                offset = saved
                            }
                        }
                    } else if (0xDC00...0xDFFF).contains(code) {
                        code = 0xFFFD
                    }
                    appendScalar(code, to: &scalars)
                default:
                    throw fail("invalid escape")
                }
            default:
                if byte < 0x20 { throw fail("control character in string") }
                scalars.append(byte)
                offset += 1
            }
        }
        throw fail("unterminated string")
    }

    mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw fail("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            offset += 1
        }
        return value
    }

    func appendScalar(_ code: UInt32, to buffer: inout [UInt8]) {
        let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
        UTF8.encode(scalar) { buffer.append($0) }
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = offset
        var isInteger = true
        if bytes[offset] == UInt8(ascii: "-") { offset += 1 }
        guard offset < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[offset]) else {
            throw fail("invalid number")
        }
        if bytes[offset] == UInt8(ascii: "0") {
            offset += 1
        } else {
            while offset < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[offset]) { offset += 1 }
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            isInteger = false
            offset += 1
            let digits = offset
            while offset < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[offset]) { offset += 1 }
            guard offset > digits else { throw fail("expected digits after '.'") }
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "e") || bytes[offset] == UInt8(ascii: "E") {
            isInteger = false
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") {
                offset += 1
            }
            let digits = offset
            while offset < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[offset]) { offset += 1 }
            guard offset > digits else { throw fail("expected exponent digits") }
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<offset])
        if isInteger, slice.count <= 18 {
            var value = 0
            var negative = false
            for byte in slice {
                if byte == UInt8(ascii: "-") {
                    negative = true
                } else {
                    value = value * 10 + Int(byte - UInt8(ascii: "0"))
                }
            }
            return .int(negative ? -value : value)
        }
        let text = String(decoding: slice, as: UTF8.self)
        if isInteger, let value = Int(text) { return .int(value) }
        guard let value = Double(text), value.isFinite else { throw fail("number out of range") }
        return .double(value)
    }
}
