public import ProjectorCore

/// edd-core's string tagging: keywords are stored as `":x"`, UUIDs as `"#uuid"`, and a
/// string that itself starts with a tag gets it doubled. Decoding strips one leading tag.
public enum EDDDecoding {
    /// True when `string` starts with `:` or `#`.
    @inlinable
    public static func isTagged(_ string: String) -> Bool {
        guard let first = string.utf8.first else { return false }
        return first == UInt8(ascii: ":") || first == UInt8(ascii: "#")
    }

    /// `":x"` → `"x"`, `"#id"` → `"id"`, `"::x"` → `":x"`; untagged strings unchanged.
    @inlinable
    public static func decode(_ string: String) -> String {
        guard isTagged(string) else { return string }
        return String(string.utf8.dropFirst()) ?? String(string.dropFirst())
    }

    /// Decodes every string value in `value`, recursively (object keys are left alone).
    public static func decode(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let string):
            return isTagged(string) ? .string(decode(string)) : value
        case .array(let array):
            guard array.contains(where: needsDecoding) else { return value }
            return .array(array.map(decode))
        case .object(let object):
            guard object.values.contains(where: needsDecoding) else { return value }
            var decoded = JSONObject(minimumCapacity: object.count)
            for (key, member) in object { decoded[key] = decode(member) }
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
        case .object(let object): object.values.contains(where: needsDecoding)
        case .null, .bool, .int, .double: false
        }
    }
}
