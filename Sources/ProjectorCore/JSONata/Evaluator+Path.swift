extension JSONata.Evaluator {
    typealias Node = JSONata.Node
    typealias Environment = JSONata.Environment
    typealias ObjectValue = JSONata.ObjectValue
    typealias ArrayValue = JSONata.ArrayValue

    func evaluatePath(_ node: Node, _ input: Value?, _ environment: Environment) throws(JSONataError) -> Value? {
        let steps = node.expressions
        guard let first = steps.first else { return nil }
        if node.simplePath, let fast = try evaluateSimplePath(steps, input, environment) {
            return fast.value
        }
        var inputSequence: [Value?]
        if let input, input.isArray, first.kind != .variable {
            inputSequence = input.elements
        } else {
            inputSequence = [input]
        }
        var resultSequence: Value?
        var isTupleStream = false
        var tuples: [ObjectValue]?
        for (offset, step) in steps.enumerated() {
            if step.tuple { isTupleStream = true }
            if offset == 0 && step.consArray {
                resultSequence = try evaluate(step, .sequence(inputSequence.compactMap { $0 }), environment)
            } else if isTupleStream {
                tuples = try evaluateTupleStep(step, inputSequence, tuples, environment)
            } else {
                resultSequence = try evaluateStep(step, inputSequence, environment, lastStep: offset == steps.count - 1)
            }
            if !isTupleStream {
                guard let current = resultSequence else { break }
                if current.isArray && current.arrayCount == 0 { break }
            }
            if step.focus == nil {
                if let resultSequence {
                    inputSequence = resultSequence.isArray ? resultSequence.elements : [resultSequence]
                } else {
                    inputSequence = []
                }
            }
        }
        if isTupleStream {
            let stream = tuples ?? []
            if node.tuple {
                resultSequence = .array(ArrayValue(stream.map { .object($0) }, flags: [.sequence, .tupleStream]))
            } else {
                resultSequence = .sequence(stream.compactMap { $0["@"] })
            }
        }
        if node.keepSingletonArray, case .array(var array)? = resultSequence {
            if array.flags.contains(.cons) && !array.isSequence {
                array = ArrayValue([.array(array)], flags: .sequence)
            }
            array.flags.insert(.keepSingleton)
            resultSequence = .array(array)
        }
        if let group = node.group {
            let groupInput: Value? =
                isTupleStream
                ? .array(ArrayValue((tuples ?? []).map { .object($0) }, flags: [.sequence, .tupleStream]))
                : resultSequence
            resultSequence = try evaluateGroup(group.pairs, groupInput, environment)
        }
        return resultSequence
    }

    /// Fast path for `$var.a.b` / `a.b.c` while every intermediate value is a single object.
    /// Returns `nil` to fall back to the general algorithm (an array appeared), otherwise the result wrapped.
    @inline(__always)
    private func evaluateSimplePath(_ steps: [Node], _ input: Value?, _ environment: Environment) throws(JSONataError)
        -> (value: Value?, Void)?
    {
        var current: Value?
        var startIndex = 0
        let first = steps[0]
        if first.kind == .variable {
            current = first.value.isEmpty ? Self.unwrapOuter(input) : environment.lookup(first.value)
            startIndex = 1
        } else {
            current = input
        }
        var index = startIndex
        while index < steps.count {
            guard let value = current else { return (nil, ()) }
            switch value {
            case .jsonObject(let object):
                guard let member = object[steps[index].value] else { return (nil, ()) }
                current = Value(member)
            case .object(let object):
                current = object[steps[index].value]
            case .reference(let reference):
                current = reference.object[steps[index].value]
            case .array, .jsonArray:
                return nil
            default:
                return (nil, ())
            }
            index += 1
        }
        if let current, current.isSequence { return nil }
        return (current, ())
    }

    func evaluateStep(_ step: Node, _ input: [Value?], _ environment: Environment, lastStep: Bool)
        throws(JSONataError) -> Value?
    {
        if step.kind == .sort {
            var sorted = try evaluateSort(step, input.compactMap { $0 }, environment)
            for stage in step.stages {
                if case .filter(let predicate) = stage { sorted = try filter(predicate, sorted, environment) }
            }
            return sorted
        }
        var results: [Value] = []
        results.reserveCapacity(input.count)
        for item in input {
            var value = try evaluate(step, item, environment)
            for stage in step.stages {
                if case .filter(let predicate) = stage { value = try filter(predicate, value, environment) }
            }
            if let value { results.append(value) }
        }
        if lastStep && results.count == 1 && results[0].isArray && !results[0].isSequence {
            return results[0]
        }
        var flattened: [Value] = []
        flattened.reserveCapacity(results.count)
        for value in results {
            switch value {
            case .array(let array) where !array.flags.contains(.cons):
                flattened.append(contentsOf: array.items)
            case .jsonArray(let values):
                flattened.append(contentsOf: values.lazy.map(Value.init))
            default:
                flattened.append(value)
            }
        }
        return .sequence(flattened)
    }

    func frame(from tuple: ObjectValue, _ environment: Environment) -> Environment {
        let frame = Environment(parent: environment)
        for (key, value) in tuple.entries { frame.bind(key, value) }
        return frame
    }

    func evaluateTupleStep(_ step: Node, _ input: [Value?], _ tuples: [ObjectValue]?, _ environment: Environment)
        throws(JSONataError) -> [ObjectValue]
    {
        var result: [ObjectValue] = []
        if step.kind == .sort {
            if let tuples {
                result = try sortTuples(step, tuples, environment)
            } else {
                let sorted = try evaluateSort(step, input.compactMap { $0 }, environment)?.elements ?? []
                for (offset, value) in sorted.enumerated() {
                    var tuple = ObjectValue()
                    tuple["@"] = value
                    if let index = step.indexVariable { tuple[index] = .int(offset) }
                    result.append(tuple)
                }
            }
            return try evaluateStages(step.stages, result, environment)
        }
        let bindings =
            tuples
            ?? input.map { item in
                var tuple = ObjectValue()
                tuple["@"] = item
                return tuple
            }
        for binding in bindings {
            let stepEnvironment = frame(from: binding, environment)
            guard let value = try evaluate(step, binding["@"], stepEnvironment) else { continue }
            let isStream = value.isTupleStream
            let items = value.isArray ? value.elements : [value]
            for (offset, item) in items.enumerated() {
                var tuple = binding
                if isStream, case .object(let inner) = item {
                    for (key, member) in inner.entries { tuple[key] = member }
                } else {
                    if let focus = step.focus {
                        tuple[focus] = item
                        tuple["@"] = binding["@"]
                    } else {
                        tuple["@"] = item
                    }
                    if let index = step.indexVariable { tuple[index] = .int(offset) }
                    if let ancestor = step.ancestor { tuple[ancestor.label] = binding["@"] }
                }
                result.append(tuple)
            }
        }
        return try evaluateStages(step.stages, result, environment)
    }

    func evaluateStages(_ stages: [Node.Stage], _ tuples: [ObjectValue], _ environment: Environment)
        throws(JSONataError) -> [ObjectValue]
    {
        var tuples = tuples
        for stage in stages {
            switch stage {
            case .filter(let predicate):
                tuples = try filterTuples(predicate, tuples, environment)
            case .index(let name):
                for offset in tuples.indices { tuples[offset][name] = .int(offset) }
            }
        }
        return tuples
    }

    /// Indexes selected by a predicate value: a number or an array of numbers; `nil` when it is not numeric.
    private static func predicateIndexes(_ value: Value?, count: Int) -> [Int]? {
        guard let value else { return nil }
        let numbers: [Value]
        if value.isNumber {
            numbers = [value]
        } else if value.isArray {
            let elements = value.elements
            guard !elements.isEmpty, elements.allSatisfy(\.isNumber) else { return nil }
            numbers = elements
        } else {
            return nil
        }
        return numbers.compactMap { number -> Int? in
            guard let double = number.doubleValue, double.isFinite else { return nil }
            var index = Int(double.rounded(.down))
            if index < 0 { index += count }
            return index
        }
    }

    func filter(_ predicate: Node, _ input: Value?, _ environment: Environment) throws(JSONataError) -> Value? {
        guard let input else { return .sequence([]) }
        if input.isTupleStream, case .array(let array) = input {
            let tuples = array.items.compactMap { item -> ObjectValue? in
                if case .object(let tuple) = item { return tuple }
                return nil
            }
            let filtered = try filterTuples(predicate, tuples, environment)
            return .array(ArrayValue(filtered.map { .object($0) }, flags: [.sequence, .tupleStream]))
        }
        let items = input.isArray ? input.elements : [input]
        if predicate.kind == .literal, let number = predicate.literal.doubleValue {
            var index = Int(number.rounded(.down))
            if index < 0 { index += items.count }
            guard index >= 0 && index < items.count else { return .sequence([]) }
            let item = items[index]
            if item.isArray { return item }
            return .sequence([item])
        }
        var results: [Value] = []
        for (offset, item) in items.enumerated() {
            let value = try evaluate(predicate, item, environment)
            if let indexes = Self.predicateIndexes(value, count: items.count) {
                if indexes.contains(offset) { results.append(item) }
            } else if Self.truthy(value) {
                results.append(item)
            }
        }
        return .sequence(results)
    }

    func filterTuples(_ predicate: Node, _ tuples: [ObjectValue], _ environment: Environment) throws(JSONataError)
        -> [ObjectValue]
    {
        if predicate.kind == .literal, let number = predicate.literal.doubleValue {
            var index = Int(number.rounded(.down))
            if index < 0 { index += tuples.count }
            guard index >= 0 && index < tuples.count else { return [] }
            return [tuples[index]]
        }
        var results: [ObjectValue] = []
        for (offset, tuple) in tuples.enumerated() {
            let value = try evaluate(predicate, tuple["@"], frame(from: tuple, environment))
            if let indexes = Self.predicateIndexes(value, count: tuples.count) {
                if indexes.contains(offset) { results.append(tuple) }
            } else if Self.truthy(value) {
                results.append(tuple)
            }
        }
        return results
    }
}
