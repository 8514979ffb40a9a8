public import ProjectorCore

/// Converts JSON documents to DynamoDB items (maps of AttributeValues, in the JSON protocol's wire form
/// `{"S": "…"}`, `{"N": "…"}`, …) and back, exactly:
///
/// | JSON | AttributeValue |
/// |---|---|
/// | string (empty ones too) | `S` |
/// | `.int` | `N`, its decimal digits |
/// | `.double` | `N`, shortest round-trip text as JavaScript prints it (`0.1`, `1e+21`); `-0` is `0` |
/// | non-finite double | `NULL` (as in JSON text) |
/// | bool | `BOOL` |
/// | null | `NULL` |
/// | object | `M` |
/// | array | `L` |
///
/// Reading back, an `N` whose text is an integer that fits in `Int` becomes `.int`, any other number `.double`.
/// Binary values and sets are never written; `SS`/`NS` read back as arrays, `B`/`BS` as their base64 text.
public enum DynamoDBItemCoder {
    /// The largest magnitude DynamoDB stores: 9.9999999999999999999999999999999999999E+125.
    static let largestMagnitude = 9.9999999999999999999999999999999999999e125
    /// The smallest non-zero magnitude DynamoDB stores: 1E-130.
    static let smallestMagnitude = 1e-130

    /// The AttributeValue map of a document: one attribute per top-level member.
    public static func item(from document: JSONObject) throws(DynamoDBItemEncodingError) -> JSONObject {
        var item = JSONObject(minimumCapacity: document.count)
        for (name, value) in document {
            item[name] = try self.attributeValue(for: value, path: name)
        }
        return item
    }

    /// The AttributeValue of one JSON value.
    public static func attributeValue(for value: JSONValue) throws(DynamoDBItemEncodingError) -> JSONValue {
        try self.attributeValue(for: value, path: "")
    }

    static func attributeValue(for value: JSONValue, path: String) throws(DynamoDBItemEncodingError) -> JSONValue {
        switch value {
        case .null:
            return ["NULL": true]
        case .bool(let flag):
            return ["BOOL": .bool(flag)]
        case .int(let number):
            return ["N": .string(String(number))]
        case .double(let number):
            guard number.isFinite else { return ["NULL": true] }
            let magnitude = abs(number)
            guard magnitude == 0 || (Self.smallestMagnitude...Self.largestMagnitude).contains(magnitude) else {
                throw DynamoDBItemEncodingError(
                    path: path, reason: "number \(JSONNumberFormatter.format(number)) is outside DynamoDB's range")
            }
            return ["N": .string(JSONNumberFormatter.format(number))]
        case .string(let text):
            return ["S": .string(text)]
        case .array(let elements):
            var list: [JSONValue] = []
            list.reserveCapacity(elements.count)
            for (offset, element) in elements.enumerated() {
                list.append(try self.attributeValue(for: element, path: "\(path)[\(offset)]"))
            }
            return ["L": .array(list)]
        case .object(let object):
            var map = JSONObject(minimumCapacity: object.count)
            for (name, member) in object {
                map[name] = try self.attributeValue(for: member, path: path.isEmpty ? name : "\(path).\(name)")
            }
            return ["M": .object(map)]
        }
    }

    /// The document of an AttributeValue map.
    public static func document(from item: JSONObject) throws(DynamoDBItemDecodingError) -> JSONObject {
        var document = JSONObject(minimumCapacity: item.count)
        for (name, attribute) in item {
            document[name] = try self.value(from: attribute, path: name)
        }
        return document
    }

    /// The JSON value of one AttributeValue.
    public static func value(from attribute: JSONValue) throws(DynamoDBItemDecodingError) -> JSONValue {
        try self.value(from: attribute, path: "")
    }

    static func value(from attribute: JSONValue, path: String) throws(DynamoDBItemDecodingError) -> JSONValue {
        guard case .object(let wrapper) = attribute, wrapper.count == 1, let type = wrapper.keys.first,
            let payload = wrapper.values.first
        else {
            throw DynamoDBItemDecodingError(path: path, reason: "an AttributeValue must be an object with one member")
        }
        switch (type, payload) {
        case ("S", .string(let text)), ("B", .string(let text)):
            return .string(text)
        case ("N", .string(let text)):
            return try self.number(text, path: path)
        case ("BOOL", .bool(let flag)):
            return .bool(flag)
        case ("NULL", _):
            return .null
        case ("M", .object(let map)):
            var object = JSONObject(minimumCapacity: map.count)
            for (name, member) in map {
                object[name] = try self.value(from: member, path: path.isEmpty ? name : "\(path).\(name)")
            }
            return .object(object)
        case ("L", .array(let list)):
            var array: [JSONValue] = []
            array.reserveCapacity(list.count)
            for (offset, element) in list.enumerated() {
                array.append(try self.value(from: element, path: "\(path)[\(offset)]"))
            }
            return .array(array)
        case ("SS", .array(let strings)), ("BS", .array(let strings)):
            return .array(strings)
        case ("NS", .array(let numbers)):
            var array: [JSONValue] = []
            array.reserveCapacity(numbers.count)
            for case .string(let text) in numbers {
                array.append(try self.number(text, path: path))
            }
            return .array(array)
        default:
            throw DynamoDBItemDecodingError(path: path, reason: "unsupported AttributeValue type '\(type)'")
        }
    }

    /// An `N` text as a JSON number: `.int` when it is an integer that fits, otherwise `.double`.
    static func number(_ text: String, path: String) throws(DynamoDBItemDecodingError) -> JSONValue {
        if let integer = Int(text) {
            return .int(integer)
        }
        guard let double = Double(text), double.isFinite else {
            throw DynamoDBItemDecodingError(path: path, reason: "'\(text.prefix(60))' is not a number")
        }
        return .double(double)
    }
}

/// A document value that DynamoDB cannot store (a number out of its range).
public struct DynamoDBItemEncodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where in the document: `a.b[2]`.
    public var path: String
    /// What is wrong, without the document's content.
    public var reason: String

    /// `attribute 'PATH': reason`, or just the reason at the top level.
    public var description: String { self.path.isEmpty ? self.reason : "attribute '\(self.path)': \(self.reason)" }
}

/// An item from DynamoDB that is not a well-formed AttributeValue map.
public struct DynamoDBItemDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where in the item: `a.b[2]`.
    public var path: String
    /// What is wrong.
    public var reason: String

    /// `attribute 'PATH': reason`, or just the reason at the top level.
    public var description: String { self.path.isEmpty ? self.reason : "attribute '\(self.path)': \(self.reason)" }
}
