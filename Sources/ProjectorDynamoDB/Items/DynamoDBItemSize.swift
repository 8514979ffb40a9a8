public import ProjectorCore

/// The size DynamoDB counts for an item against its 400 KB limit, computed the way the DynamoDB developer guide
/// ("Item sizes and formats") describes: the sum over attributes of the UTF-8 length of the name plus the size of
/// the value, where a string counts its UTF-8 bytes, a number 1 byte per two significant digits plus 1, a boolean or
/// null 1 byte, and a list or map 3 bytes plus, per element, its size plus 1 byte (and the member name in maps).
public enum DynamoDBItemSize {
    /// DynamoDB's item size limit: 400 KB = 409,600 bytes.
    public static let limit = 400 * 1024

    /// The size of the item a document becomes.
    public static func of(document: JSONObject) -> Int {
        var total = 0
        for (name, value) in document {
            total += name.utf8.count + self.of(value: value)
        }
        return total
    }

    /// The size of one value, without its attribute name.
    public static func of(value: JSONValue) -> Int {
        switch value {
        case .null, .bool:
            return 1
        case .int(let number):
            return self.numberSize(String(number))
        case .double(let number):
            return number.isFinite ? self.numberSize(JSONNumberFormatter.format(number)) : 1
        case .string(let text):
            return text.utf8.count
        case .array(let elements):
            var total = 3
            for element in elements {
                total += 1 + self.of(value: element)
            }
            return total
        case .object(let object):
            var total = 3
            for (name, member) in object {
                total += 1 + name.utf8.count + self.of(value: member)
            }
            return total
        }
    }

    /// `ceil(significant digits / 2) + 1` for a number's decimal text; leading and trailing zeros don't count.
    static func numberSize(_ text: String) -> Int {
        var digits: [UInt8] = []
        for byte in text.utf8 {
            if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") { break }
            if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { digits.append(byte) }
        }
        let significant = digits.drop { $0 == UInt8(ascii: "0") }.reversed().drop { $0 == UInt8(ascii: "0") }.count
        return (significant + 1) / 2 + 1
    }
}
