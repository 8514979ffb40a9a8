extension JSONValue {
    /// JSON text. `pretty` indents by two spaces; `sortedKeys` orders object keys
    /// (for stable diffs), otherwise keys keep their order.
    public func serialized(pretty: Bool = false, sortedKeys: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128)
        write(to: &bytes, pretty: pretty, sortedKeys: sortedKeys)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the JSON text to a byte buffer (no intermediate strings: used in hot paths).
    public func write(to out: inout [UInt8], pretty: Bool = false, sortedKeys: Bool = false) {
        if pretty || sortedKeys {
            writeValue(to: &out, pretty: pretty, sortedKeys: sortedKeys, indent: 0)
        } else {
            writeCompact(to: &out)
        }
    }

    /// Compact JSON, keys in their order: members are read by position (no key lookup), strings copied in runs.
    private func writeCompact(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value): Self.writeInteger(value, to: &out)
        case .double(let value): out.append(contentsOf: JSONNumberFormatter.format(value).utf8)
        case .string(let value): Self.writeString(value, to: &out)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            // Members read in place through buffers: no copy (retain and release) of each member.
            values.withUnsafeBufferPointer { values in
                for offset in values.indices {
                    if offset > 0 { out.append(UInt8(ascii: ",")) }
                    Self.writeMember(values, offset, to: &out)
                }
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            object.keyList.withUnsafeBufferPointer { keys in
                object.valueList.withUnsafeBufferPointer { values in
                    for offset in keys.indices {
                        if offset > 0 { out.append(UInt8(ascii: ",")) }
                        Self.writeString(keys[offset], to: &out)
                        out.append(UInt8(ascii: ":"))
                        Self.writeMember(values, offset, to: &out)
                    }
                }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Writes `members[offset]` compactly: the common scalars right here, so that only containers take a recursive
    /// call (for which the member is copied, a retain and a release, to keep it alive across the call).
    @inline(__always)
    private static func writeMember(_ members: UnsafeBufferPointer<JSONValue>, _ offset: Int, to out: inout [UInt8]) {
        switch members[offset] {
        case .int(let value): writeInteger(value, to: &out)
        case .string(let value): writeString(value, to: &out)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .null: out.append(contentsOf: "null".utf8)
        case .double, .array, .object: members[offset].writeCompact(to: &out)
        }
    }

    private func writeValue(to out: inout [UInt8], pretty: Bool, sortedKeys: Bool, indent: Int) {
        switch self {
        case .null, .bool, .int, .double, .string: writeCompact(to: &out)
        case .array(let values):
            if values.isEmpty {
                out.append(contentsOf: "[]".utf8)
                return
            }
            out.append(UInt8(ascii: "["))
            for (offset, value) in values.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { Self.newline(&out, indent: indent + 1) }
                value.writeValue(to: &out, pretty: pretty, sortedKeys: sortedKeys, indent: indent + 1)
            }
            if pretty { Self.newline(&out, indent: indent) }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            if object.isEmpty {
                out.append(contentsOf: "{}".utf8)
                return
            }
            out.append(UInt8(ascii: "{"))
            let keys = sortedKeys ? object.keys.sorted() : object.keys
            for (offset, key) in keys.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { Self.newline(&out, indent: indent + 1) }
                JSONValue.writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(UInt8(ascii: " ")) }
                (object[key] ?? .null).writeValue(to: &out, pretty: pretty, sortedKeys: sortedKeys, indent: indent + 1)
            }
            if pretty { Self.newline(&out, indent: indent) }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ out: inout [UInt8], indent: Int) {
        out.append(UInt8(ascii: "\n"))
        for _ in 0..<indent { out.append(contentsOf: [UInt8(ascii: " "), UInt8(ascii: " ")]) }
    }

    /// Appends the decimal digits of `value` (as `String(value)` writes them), without building a string.
    static func writeInteger(_ value: Int, to out: inout [UInt8]) {
        if value >= 0, value < 10 {
            out.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value))
            return
        }
        // 19 digits of Int.max and a sign.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var start = buffer.count
            var rest = value.magnitude
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            if value < 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "-")
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start...]))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// True for a byte that JSON text must escape inside a string.
    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// Appends `string` as a quoted JSON string: runs without escapes are copied whole.
    public static func writeString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let copied = string.utf8.withContiguousStorageIfAvailable { bytes in
            var runStart = 0
            for index in bytes.indices where needsEscape(bytes[index]) {
                if runStart < index { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
                writeEscaped(bytes[index], to: &out)
                runStart = index + 1
            }
            if runStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
        }
        if copied == nil {
            // Text without contiguous UTF-8 (e.g. bridged): byte by byte.
            for byte in string.utf8 {
                if needsEscape(byte) { writeEscaped(byte, to: &out) } else { out.append(byte) }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends the escape sequence of one byte that ``needsEscape(_:)``.
    private static func writeEscaped(_ byte: UInt8, to out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
        case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
        default:
            out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0xF)])
        }
    }
}

/// Formats doubles the way JavaScript's `Number.prototype.toString` does, which is
/// what JSONata and most JSON consumers print: shortest round-trip digits, no
/// trailing `.0`, exponent form only below 1e-6 or from 1e21 up.
public enum JSONNumberFormatter {
    /// `value` as JavaScript's `Number.prototype.toString` writes it (shortest round-trip digits, exponent from 1e21).
    public static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == 0 { return "0" }
        if value.rounded(.towardZero) == value, abs(value) < 1e21, abs(value) < 9.0e15 {
            return String(Int(value))
        }
        // Swift's description is the shortest round-trip representation; re-lay it out.
        let (negative, digits, exponent) = decompose(value)
        var result = negative ? "-" : ""
        let length = digits.count
        // Value is 0.d1d2d3... × 10^(exponent); JS calls this n = exponent.
        let n = exponent
        if length <= n && n <= 21 {
            result += digits + String(repeating: "0", count: n - length)
        } else if 0 < n && n <= 21 {
            result += String(digits.prefix(n)) + "." + String(digits.dropFirst(n))
        } else if -6 < n && n <= 0 {
            result += "0." + String(repeating: "0", count: -n) + digits
        } else {
            let e = n - 1
            let sign = e < 0 ? "-" : "+"
            result += String(digits.prefix(1))
            if length > 1 { result += "." + String(digits.dropFirst()) }
            result += "e" + sign + String(abs(e))
        }
        return result
    }

    /// Splits a finite non-zero double into sign, significant digits and a decimal
    /// exponent such that value = 0.DIGITS × 10^exponent.
    static func decompose(_ value: Double) -> (negative: Bool, digits: String, exponent: Int) {
        let text = String(describing: abs(value))
        var mantissa = text
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = String(text[..<e])
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var integerPart = mantissa
        var fractionPart = ""
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = String(mantissa[..<dot])
            fractionPart = String(mantissa[mantissa.index(after: dot)...])
        }
        var digits = integerPart + fractionPart
        var pointPosition = integerPart.count + exponent
        while digits.hasPrefix("0") {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.hasSuffix("0") { digits.removeLast() }
        if digits.isEmpty { digits = "0" }
        return (value < 0, digits, pointPosition)
    }
}
