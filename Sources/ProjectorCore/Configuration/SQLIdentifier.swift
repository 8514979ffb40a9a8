/// A configured SQL name (schema, column, channel) that is safe to quote.
///
/// Only `^[A-Za-z_][A-Za-z0-9_$]*$` and at most 63 bytes (PostgreSQL's limit) are
/// accepted, so a name can never carry quotes, semicolons or whitespace. SQL is still
/// built with the quoted form (``quoted``), never the raw text.
public struct SQLIdentifier: Sendable, Hashable, CustomStringConvertible {
    /// The name as configured (case preserved: quoting makes it case-sensitive).
    public let name: String

    /// Validates `name`; `nil` when it is not a plain identifier.
    public init?(_ name: String) {
        guard Self.isValid(name) else { return nil }
        self.name = name
    }

    /// True when `name` matches `^[A-Za-z_][A-Za-z0-9_$]*$` and fits in 63 bytes.
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 63 else { return false }
        guard first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return bytes.dropFirst().allSatisfy { byte in
            isLetter(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$")
        }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    /// The name in double quotes, ready to splice into SQL.
    public var quoted: String {
        // Validation excludes `"`, so doubling is never needed; keep it anyway as defence in depth.
        "\"" + name.replacingAll("\"", with: "\"\"") + "\""
    }

    /// The name as a single-quoted SQL string literal.
    public var literal: String { "'" + name.replacingAll("'", with: "''") + "'" }

    /// The bare name, unquoted.
    public var description: String { name }
}

extension String {
    /// `self` with every occurrence of `target` (a single character) replaced.
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
