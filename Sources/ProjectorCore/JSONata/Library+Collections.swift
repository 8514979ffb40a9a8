extension JSONata.Library {
    typealias Value = JSONata.Value
    typealias Builtin = JSONata.Builtin
    typealias ArrayValue = JSONata.ArrayValue
    typealias ObjectValue = JSONata.ObjectValue
    typealias Evaluator = JSONata.Evaluator

    static func numbers(_ value: Value?) -> [Double] {
        guard let value else { return [] }
        return value.elements.compactMap(\.doubleValue)
    }

    static let collectionFunctions: [Builtin] = [
        Builtin("sum", "a<n>:n") { arguments, _ throws(JSONataError) in
            guard let array = arguments[0] else { return nil }
            var integer = 0
            var exact = true
            var total = 0.0
            for element in array.elements {
                if exact, case .int(let value) = element {
                    let (sum, overflow) = integer.addingReportingOverflow(value)
                    if !overflow {
                        integer = sum
                        continue
                    }
                }
                if exact {
                    exact = false
                    total = Double(integer)
                }
                total += element.doubleValue ?? 0
            }
            if exact {
                // Mixed int/double arrays fall through here only when every element was an int.
                return .int(integer)
            }
            return .double(total)
        },
        Builtin("count", "a:n") { arguments, _ throws(JSONataError) in
            guard let array = arguments[0] else { return .int(0) }
            return .int(array.arrayCount)
        },
        Builtin("max", "a<n>:n") { arguments, _ throws(JSONataError) in
            let values = numbers(arguments[0])
            guard let maximum = values.max() else { return nil }
            return arguments[0]?.elements.first { $0.doubleValue == maximum } ?? .double(maximum)
        },
        Builtin("min", "a<n>:n") { arguments, _ throws(JSONataError) in
            let values = numbers(arguments[0])
            guard let minimum = values.min() else { return nil }
            return arguments[0]?.elements.first { $0.doubleValue == minimum } ?? .double(minimum)
        },
        Builtin("average", "a<n>:n") { arguments, _ throws(JSONataError) in
            let values = numbers(arguments[0])
            guard !values.isEmpty else { return nil }
            return .double(values.reduce(0, +) / Double(values.count))
        },
        Builtin("exists", "x:b") { arguments, _ throws(JSONataError) in
            .bool(arguments[0] != nil)
        },
        Builtin("boolean", "x-:b") { arguments, _ throws(JSONataError) in
            guard let value = arguments[0] else { return nil }
            return .bool(Evaluator.truthy(value))
        },
        Builtin("not", "x-:b") { arguments, _ throws(JSONataError) in
            guard let value = arguments[0] else { return nil }
            return .bool(!Evaluator.truthy(value))
        },
        Builtin("append", "xx:a") { arguments, _ throws(JSONataError) in
            Evaluator.append(arguments[0], arguments[1])
        },
        Builtin("reverse", "a:a") { arguments, _ throws(JSONataError) in
            guard let array = arguments[0] else { return nil }
            return .array(ArrayValue(array.elements.reversed()))
        },
        Builtin("shuffle", "a:a") { arguments, _ throws(JSONataError) in
            guard let array = arguments[0] else { return nil }
            return .array(ArrayValue(array.elements.shuffled()))
        },
        Builtin("distinct", "x:x") { arguments, _ throws(JSONataError) in
            guard let value = arguments[0] else { return nil }
            guard value.isArray, value.arrayCount > 1 else { return value }
            var result: [Value] = []
            for element in value.elements where !result.contains(where: { Evaluator.deepEqual($0, element) }) {
                result.append(element)
            }
            return .array(ArrayValue(result, flags: value.isSequence ? .sequence : []))
        },
        Builtin("zip", "a+") { arguments, _ throws(JSONataError) in
            let arrays = arguments.map { $0?.elements ?? [] }
            let length = arrays.map(\.count).min() ?? 0
            var result: [Value] = []
            for index in 0..<length {
                result.append(.array(ArrayValue(arrays.map { $0[index] })))
            }
            return .array(ArrayValue(result))
        },
        Builtin("keys", "x-:a<s>") { arguments, _ throws(JSONataError) in
            guard let value = arguments[0] else { return nil }
            var keys: [String] = []
            if value.isArray {
                var seen = Set<String>()
                for element in value.elements {
                    for key in element.objectKeys where seen.insert(key).inserted { keys.append(key) }
                }
            } else {
                keys = value.objectKeys
            }
            if keys.isEmpty { return nil }
            return .sequence(keys.map { .string($0) })
        },
        Builtin("lookup", "x-s:x") { arguments, _ throws(JSONataError) in
            guard let value = arguments[0], case .string(let key)? = arguments[1] else { return nil }
            return Evaluator.lookup(value, key)
        },
        Builtin("spread", "x-:a<o>") { arguments, _ throws(JSONataError) in
            guard let value = arguments[0] else { return nil }
            if value.isArray {
                var result: [Value] = []
                for element in value.elements {
                    if element.isObject {
                        for (key, member) in element.objectEntries {
                            var single = ObjectValue()
                            single[key] = member
                            result.append(.object(single))
                        }
                    } else {
                        result.append(element)
                    }
                }
                return .sequence(result)
            }
            guard value.isObject else { return value }
            var result: [Value] = []
            for (key, member) in value.objectEntries {
                var single = ObjectValue()
                single[key] = member
                result.append(.object(single))
            }
            return .sequence(result)
        },
        Builtin("merge", "a<o>:o") { arguments, _ throws(JSONataError) in
            guard let array = arguments[0] else { return nil }
            let elements = array.elements
            if elements.count == 1, case .jsonObject = elements[0] { return elements[0] }
            var result = ObjectValue()
            for element in elements {
                switch element {
                case .jsonObject(let object):
                    for (key, member) in object { result[key] = Value(member) }
                default:
                    for (key, member) in element.objectEntries { result[key] = member }
                }
            }
            return .object(result)
        },
        Builtin("type", "x:s") { arguments, _ throws(JSONataError) in
            guard let value = arguments[0] else { return nil }
            return .string(value.typeName)
        },
    ]
}
