extension JSONata {
    /// A value during evaluation. `nil` (`Value?`) is JSONata's *undefined*.
    ///
    /// Input data stays in its `JSONValue` form (`jsonArray`/`jsonObject`) and is lifted one level at a time as
    /// paths walk into it, so evaluating `$event.data.amount` never copies the event.
    enum Value {
        case null
        case bool(Bool)
        case int(Int)
        case double(Double)
        case string(String)
        case array(ArrayValue)
        case object(ObjectValue)
        case jsonArray([JSONValue])
        case jsonObject(JSONObject)
        case function(FunctionValue)
        /// An object with identity (inside the transform operator only).
        case reference(ObjectReference)
    }
}

extension JSONata.Value {
    typealias Value = JSONata.Value

    /// Lifts input data one level (arrays and objects stay in their JSON form).
    @inline(__always)
    init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .int(let value): self = .int(value)
        case .double(let value): self = .double(value)
        case .string(let value): self = .string(value)
        case .array(let value): self = .jsonArray(value)
        case .object(let value): self = .jsonObject(value)
        }
    }

    /// A number from a double, kept as `.double` (arithmetic results).
    static func number(_ value: Double) -> Value { .double(value) }

    /// The value as JSON; functions become `""` as JSONata's JSON output does, undefined members are dropped.
    var json: JSONValue {
        switch self {
        case .null: return .null
        case .bool(let value): return .bool(value)
        case .int(let value): return .int(value)
        case .double(let value): return .number(value)
        case .string(let value): return .string(value)
        case .jsonArray(let value): return .array(value)
        case .jsonObject(let value): return .object(value)
        case .array(let array):
            return .array(array.items.map(\.json))
        case .object(let object):
            var result = JSONObject(minimumCapacity: object.count)
            for (key, value) in object.entries { result[key] = value.json }
            return .object(result)
        case .function: return .string("")
        case .reference(let reference): return Value.object(reference.object).json
        }
    }

    var isArray: Bool {
        switch self {
        case .array, .jsonArray: true
        default: false
        }
    }

    var isObject: Bool {
        switch self {
        case .object, .jsonObject, .reference: true
        default: false
        }
    }

    var isNumber: Bool {
        switch self {
        case .int, .double: true
        default: false
        }
    }

    var isFunction: Bool {
        if case .function = self { return true }
        return false
    }

    var isSequence: Bool {
        if case .array(let array) = self { return array.isSequence }
        return false
    }

    var isTupleStream: Bool {
        if case .array(let array) = self { return array.flags.contains(.tupleStream) }
        return false
    }

    var doubleValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }

    var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// Array elements (lifting JSON elements).
    var elements: [Value] {
        switch self {
        case .array(let array): return array.items
        case .jsonArray(let values): return values.map(Value.init)
        default: return [self]
        }
    }

    var arrayCount: Int {
        switch self {
        case .array(let array): array.count
        case .jsonArray(let values): values.count
        default: 1
        }
    }

    /// Object member lookup for both object forms.
    @inline(__always)
    func member(_ key: String) -> Value? {
        switch self {
        case .jsonObject(let object):
            guard let value = object[key] else { return nil }
            return Value(value)
        case .object(let object):
            return object[key]
        case .reference(let reference):
            return reference.object[key]
        default:
            return nil
        }
    }

    var objectKeys: [String] {
        switch self {
        case .jsonObject(let object): object.keys
        case .object(let object): object.keys
        case .reference(let reference): reference.object.keys
        default: []
        }
    }

    /// Object members in order (lifting JSON values).
    var objectEntries: [(String, Value)] {
        switch self {
        case .jsonObject(let object): object.map { ($0.key, Value($0.value)) }
        case .object(let object): Array(object.entries)
        case .reference(let reference): Array(reference.object.entries)
        default: []
        }
    }

    /// The object as a mutable built object.
    var objectValue: JSONata.ObjectValue? {
        switch self {
        case .jsonObject(let object): JSONata.ObjectValue(object)
        case .object(let object): object
        case .reference(let reference): reference.object
        default: nil
        }
    }

    /// JSONata's type name (`$type`).
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int, .double: "number"
        case .string: "string"
        case .array, .jsonArray: "array"
        case .object, .jsonObject, .reference: "object"
        case .function: "function"
        }
    }

    static func sequence(_ items: [Value]) -> Value { .array(.sequence(items)) }
}
