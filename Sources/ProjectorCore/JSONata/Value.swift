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

    /// An array built during evaluation, with the flags JSONata keeps on sequences.
    struct ArrayValue {
        struct Flags: OptionSet {
            let rawValue: UInt8
            /// A result sequence (flattened, singleton-unwrapped on return).
            static let sequence = Flags(rawValue: 1)
            /// Keep a one-element sequence as an array (`[]` suffix).
            static let keepSingleton = Flags(rawValue: 2)
            /// Built by an array constructor: never flattened by a path step.
            static let cons = Flags(rawValue: 4)
            /// A stream of tuples (objects binding `@` and focus/index/ancestor variables).
            static let tupleStream = Flags(rawValue: 8)
            static let outerWrapper = Flags(rawValue: 16)
        }

        var items: [Value]
        var flags: Flags

        init(_ items: [Value] = [], flags: Flags = []) {
            self.items = items
            self.flags = flags
        }

        static func sequence(_ items: [Value] = []) -> ArrayValue { ArrayValue(items, flags: .sequence) }

        var isSequence: Bool { flags.contains(.sequence) }
        var count: Int { items.count }
    }

    /// An object built during evaluation: ordered keys, values that may be functions.
    struct ObjectValue {
        private(set) var keys: [String] = []
        private(set) var values: [Value] = []
        private var index: [String: Int]?
        /// Up to this many keys a linear search of short strings beats hashing.
        private static let indexThreshold = 24

        init() {}

        init(minimumCapacity: Int) {
            keys.reserveCapacity(minimumCapacity)
            values.reserveCapacity(minimumCapacity)
        }

        init(_ object: JSONObject) {
            keys = object.keys
            values = object.values.map(Value.init)
            if keys.count > Self.indexThreshold { rebuildIndex() }
        }

        var count: Int { keys.count }

        private func position(of key: String) -> Int? {
            if let index { return index[key] }
            return keys.firstIndex(of: key)
        }

        private mutating func rebuildIndex() {
            var built = [String: Int](minimumCapacity: keys.count)
            for (offset, key) in keys.enumerated() { built[key] = offset }
            index = built
        }

        subscript(key: String) -> Value? {
            get {
                guard let position = position(of: key) else { return nil }
                return values[position]
            }
            set {
                if let position = position(of: key) {
                    if let newValue {
                        values[position] = newValue
                    } else {
                        keys.remove(at: position)
                        values.remove(at: position)
                        if index != nil { rebuildIndex() }
                    }
                } else if let newValue {
                    keys.append(key)
                    values.append(newValue)
                    if index != nil {
                        index?[key] = keys.count - 1
                    } else if keys.count > Self.indexThreshold {
                        rebuildIndex()
                    }
                }
            }
        }

        var entries: Zip2Sequence<[String], [Value]> { zip(keys, values) }
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
