extension JSONata {
    /// An object with identity, used only inside the transform operator, where the update clause must modify
    /// the very objects the pattern selected within a copy of the input.
    final class ObjectReference {
        var object: ObjectValue

        init(_ object: ObjectValue) {
            self.object = object
        }

        func set(_ key: String, _ value: Value) { object[key] = value }
        func remove(_ key: String) { object[key] = nil }
    }

    /// A deep copy of a value whose objects are ``ObjectReference``s.
    struct MutableTree {
        let value: Value

        init(_ value: Value) {
            self.value = Self.copy(value)
        }

        private static func copy(_ value: Value) -> Value {
            switch value {
            case .array(let array): return .array(ArrayValue(array.items.map(copy), flags: array.flags))
            case .jsonArray(let values): return .array(ArrayValue(values.map { copy(Value($0)) }))
            case .object, .jsonObject, .reference:
                var object = ObjectValue()
                for (key, member) in value.objectEntries { object[key] = copy(member) }
                return .reference(ObjectReference(object))
            default: return value
            }
        }

        static func reference(of value: Value) -> ObjectReference? {
            if case .reference(let reference) = value { return reference }
            return nil
        }

        mutating func refresh() {}

        var result: Value { value }
    }
}
