extension JSONParser {
    /// Most digits of an integer read without overflow checks: 18 digits stay below `Int.max`.
    static let plainIntegerDigits = 18

    /// The value of a text that is exactly one plain scalar — `true`, `false`, `null`, an integer of at most 18
    /// digits, or an ASCII string without escapes or control characters — with no whitespace around it; `nil` for
    /// anything else, which the full parser then reads. Equal to what the full parser returns for the same text.
    ///
    /// A read of a few fields of each event gets mostly such values (an id, an amount, a type); reading them here
    /// skips the parser's set-up for a text of a few bytes.
    static func plainScalar(_ bytes: UnsafeRawBufferPointer) -> JSONValue? {
        guard let first = bytes.first else { return nil }
        switch first {
        case UInt8(ascii: "\""):
            guard bytes.count >= 2, bytes[bytes.count - 1] == UInt8(ascii: "\"") else { return nil }
            let content = UnsafeRawBufferPointer(rebasing: bytes[1..<(bytes.count - 1)])
            for byte in content where byte < 0x20 || byte >= 0x80 || byte == UInt8(ascii: "\"")
                || byte == UInt8(ascii: "\\")
            {
                return nil
            }
            return .string(String(decoding: content, as: UTF8.self))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return plainInteger(bytes)
        case UInt8(ascii: "t"): return bytes.elementsEqual("true".utf8) ? .bool(true) : nil
        case UInt8(ascii: "f"): return bytes.elementsEqual("false".utf8) ? .bool(false) : nil
        case UInt8(ascii: "n"): return bytes.elementsEqual("null".utf8) ? .null : nil
        default: return nil
        }
    }

    /// An optional minus and 1–18 digits without a leading zero (a lone `0` aside); `nil` for anything else.
    static func plainInteger(_ bytes: UnsafeRawBufferPointer) -> JSONValue? {
        let negative = bytes[0] == UInt8(ascii: "-")
        let digits = UnsafeRawBufferPointer(rebasing: bytes[(negative ? 1 : 0)...])
        guard !digits.isEmpty, digits.count <= plainIntegerDigits,
            digits[0] != UInt8(ascii: "0") || digits.count == 1
        else { return nil }
        var value = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return .int(negative ? -value : value)
    }
}
