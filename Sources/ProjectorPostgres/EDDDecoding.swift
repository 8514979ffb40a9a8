public import ProjectorCore

/// edd-core's string tagging: keywords are stored as `":x"`, UUIDs as `"#uuid"`, and a
/// string that itself starts with a tag gets it doubled. Decoding strips one leading tag.
///
/// Object keys follow edd-core's key reader: a UUID key is stored as `"#uuid"` (`"##x"` for a key that itself
/// starts with `#`) and loses that one `#`; keyword keys are stored without a colon, so a key starting with `:`
/// is left as it is.
public enum EDDDecoding {
    /// True when `string` starts with `:` or `#`.
    @inlinable
    public static func isTagged(_ string: String) -> Bool {
        guard let first = string.utf8.first else { return false }
        return first == UInt8(ascii: ":") || first == UInt8(ascii: "#")
    }

    /// True when the object key `key` starts with `#` (a UUID key).
    @inlinable
    public static func isTaggedKey(_ key: String) -> Bool {
        key.utf8.first == UInt8(ascii: "#")
    }

    /// `":x"` → `"x"`, `"#id"` → `"id"`, `"::x"` → `":x"`; untagged strings unchanged.
    @inlinable
    public static func decode(_ string: String) -> String {
        guard isTagged(string) else { return string }
        return String(string.utf8.dropFirst()) ?? String(string.dropFirst())
    }

    /// Decodes every string value in `value`, recursively, and the `#` of UUID object keys.
    public static func decode(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let string):
            return isTagged(string) ? .string(decode(string)) : value
        case .array(let array):
            guard array.contains(where: needsDecoding) else { return value }
            return .array(array.map(decode))
        case .object(let object):
            guard needsDecoding(value) else { return value }
            var decoded = JSONObject(minimumCapacity: object.count)
            for (key, member) in object { decoded[isTaggedKey(key) ? decode(key) : key] = decode(member) }
            return .object(decoded)
        case .null, .bool, .int, .double:
            return value
        }
    }

    /// True when some string inside `value` carries a tag.
    static func needsDecoding(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let string): isTagged(string)
        case .array(let array): array.contains(where: needsDecoding)
        case .object(let object): object.contains { isTaggedKey($0.key) || needsDecoding($0.value) }
        case .null, .bool, .int, .double: false
        }
    }
}
