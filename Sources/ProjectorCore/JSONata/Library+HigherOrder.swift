extension JSONata.Library {
    static func functionArgument(_ value: Value?) -> JSONata.FunctionValue? {
        if case .function(let function)? = value { return function }
        return nil
    }

    /// Calls `function(element, index, array)` for every element (as many arguments as it declares).
    static func eachElement(
        _ array: Value, _ function: JSONata.FunctionValue, _ context: CallContext,
        _ body: (Value, Value?) -> Void
    ) throws(JSONataError) {
        let elements = array.elements
        let whole = Value.array(ArrayValue(elements))
        for (index, element) in elements.enumerated() {
            body(element, try context.evaluator.callback(function, [element, .int(index), whole], context: context))
        }
    }

    static let higherOrderFunctions: [Builtin] = [
        Builtin("map", "af") { arguments, context throws(JSONataError) in
            guard let array = arguments[0], let function = functionArgument(arguments[1]) else { return nil }
            var results: [Value] = []
            try eachElement(array, function, context) { _, value in
                if let value { results.append(value) }
            }
            return .sequence(results)
        },
        Builtin("filter", "af") { arguments, context throws(JSONataError) in
            guard let array = arguments[0], let function = functionArgument(arguments[1]) else { return nil }
            var results: [Value] = []
            try eachElement(array, function, context) { element, value in
                if Evaluator.truthy(value) { results.append(element) }
            }
            return .sequence(results)
        },
        Builtin("single", "af?") { arguments, context throws(JSONataError) in
            guard let array = arguments[0] else { return nil }
            let elements = array.elements
            var found: Value?
            var count = 0
            for (index, element) in elements.enumerated() {
                var matches = true
                if let function = functionArgument(arguments[1]) {
                    matches = Evaluator.truthy(
                        try context.evaluator.callback(
                            function, [element, .int(index), .array(ArrayValue(elements))], context: context))
                }
                if matches {
                    count += 1
                    if count > 1 {
                        throw error(
                            "D3138",
                            "The $single() function expected exactly 1 matching result.  Instead it matched more.",
                            context)
                    }
                    found = element
                }
            }
            guard count == 1 else {
                throw error(
                    "D3139", "The $single() function expected exactly 1 matching result.  Instead it matched 0.",
                    context)
            }
            return found
        },
        Builtin("reduce", "afj?:j") { arguments, context throws(JSONataError) in
            guard let array = arguments[0], let function = functionArgument(arguments[1]) else { return nil }
            guard function.arity >= 2 || { if case .builtin = function.kind { return true } else { return false } }()
            else {
                throw error(
                    "D3050", "The second argument of reduce function must be a function with at least two arguments",
                    context)
            }
            let elements = array.elements
            var accumulator = arguments[2]
            var index = 0
            if accumulator == nil, !elements.isEmpty {
                accumulator = elements[0]
                index = 1
            }
            while index < elements.count {
                accumulator = try context.evaluator.callback(
                    function, [accumulator, elements[index], .int(index), .array(ArrayValue(elements))],
                    context: context)
                index += 1
            }
            return accumulator
        },
        Builtin("sift", "o-f?:o") { arguments, context throws(JSONataError) in
            guard let object = arguments[0], let function = functionArgument(arguments[1]) else { return nil }
            var result = ObjectValue()
            for (key, value) in object.objectEntries {
                let keep = try context.evaluator.callback(function, [value, .string(key), object], context: context)
                if Evaluator.truthy(keep) { result[key] = value }
            }
            return result.count == 0 ? nil : .object(result)
        },
        Builtin("each", "o-f:a") { arguments, context throws(JSONataError) in
            guard let object = arguments[0], let function = functionArgument(arguments[1]) else { return nil }
            var results: [Value] = []
            for (key, value) in object.objectEntries {
                if let item = try context.evaluator.callback(function, [value, .string(key), object], context: context)
                {
                    results.append(item)
                }
            }
            return .sequence(results)
        },
        Builtin("sort", "af?:a") { arguments, context throws(JSONataError) in
            guard let array = arguments[0] else { return nil }
            let elements = array.elements
            guard elements.count > 1 else { return array }
            var failure: JSONataError?
            let order: [Int]
            if let function = functionArgument(arguments[1]) {
                order = Evaluator.mergeSort(Array(elements.indices)) { a, b in
                    guard failure == nil else { return false }
                    do throws(JSONataError) {
                        return Evaluator.truthy(
                            try context.evaluator.callback(function, [elements[a], elements[b]], context: context))
                    } catch {
                        failure = error
                        return false
                    }
                }
            } else {
                let allNumbers = elements.allSatisfy(\.isNumber)
                let allStrings = elements.allSatisfy { $0.stringValue != nil }
                guard allNumbers || allStrings else {
                    throw error(
                        "D3070",
                        "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function",
                        context)
                }
                order = Evaluator.mergeSort(Array(elements.indices)) { a, b in
                    if allNumbers { return (elements[a].doubleValue ?? 0) > (elements[b].doubleValue ?? 0) }
                    return Evaluator.compareStrings(elements[a].stringValue ?? "", elements[b].stringValue ?? "") > 0
                }
            }
            if let failure { throw failure }
            return .array(ArrayValue(order.map { elements[$0] }))
        },
    ]
}
