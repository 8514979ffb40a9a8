extension JSONata.Evaluator {
    /// Object constructor and group-by: keys from each item, values evaluated over the items of each group.
    func evaluateGroup(_ pairs: [(Node, Node)], _ input: Value?, _ environment: Environment) throws(JSONataError)
        -> Value?
    {
        let isTupleStream = input?.isTupleStream ?? false
        if let input, !input.isArray {
            return try evaluateSingleObject(pairs, input, environment)
        }
        var items: [Value?]
        if let input {
            items = input.isArray ? input.elements : [input]
        } else {
            items = []
        }
        if items.isEmpty { items = [nil] }
        var order: [String] = []
        var groups: [String: (data: Value?, pair: Int)] = [:]
        for item in items {
            var context = item
            var frame = environment
            if isTupleStream, case .object(let tuple)? = item {
                context = tuple["@"]
                frame = self.frame(from: tuple, environment)
            }
            for (offset, pair) in pairs.enumerated() {
                let key = try evaluate(pair.0, context, frame)
                guard let key else { continue }
                guard case .string(let name) = key else {
                    throw JSONataError(
                        code: "T1003",
                        message: "Key in object structure must evaluate to a string; got: \(Self.describe(key))",
                        position: pair.0.position)
                }
                if let existing = groups[name] {
                    if existing.pair != offset {
                        throw JSONataError(
                            code: "D1009", message: "Multiple key definitions evaluate to same key: \"\(name)\"",
                            position: pair.0.position, token: name)
                    }
                    groups[name] = (Self.append(existing.data, item), offset)
                } else {
                    order.append(name)
                    groups[name] = (item, offset)
                }
            }
        }
        var result = ObjectValue(minimumCapacity: order.count)
        for name in order {
            guard let group = groups[name] else { continue }
            var context = group.data
            var frame = environment
            if isTupleStream {
                var tuple = Self.reduceTuples(group.data)
                context = tuple["@"]
                tuple["@"] = nil
                frame = self.frame(from: tuple, environment)
            }
            if let value = try evaluate(pairs[group.pair].1, context, frame) {
                result[name] = value
            }
        }
        return .object(result)
    }

    /// The object constructor over one (non-array) context value: no grouping needed.
    private func evaluateSingleObject(_ pairs: [(Node, Node)], _ input: Value, _ environment: Environment)
        throws(JSONataError) -> Value
    {
        var result = ObjectValue(minimumCapacity: pairs.count)
        var seen: [String] = []
        seen.reserveCapacity(pairs.count)
        for pair in pairs {
            guard let key = try evaluate(pair.0, input, environment) else { continue }
            guard case .string(let name) = key else {
                throw JSONataError(
                    code: "T1003",
                    message: "Key in object structure must evaluate to a string; got: \(Self.describe(key))",
                    position: pair.0.position)
            }
            guard !seen.contains(name) else {
                throw JSONataError(
                    code: "D1009", message: "Multiple key definitions evaluate to same key: \"\(name)\"",
                    position: pair.0.position, token: name)
            }
            seen.append(name)
            if let value = try evaluate(pair.1, input, environment) { result[name] = value }
        }
        return .object(result)
    }

    /// Merges the tuples of one group: every binding becomes the sequence of its values.
    private static func reduceTuples(_ data: Value?) -> ObjectValue {
        guard let data else { return ObjectValue() }
        guard data.isArray else {
            if case .object(let tuple) = data { return tuple }
            return ObjectValue()
        }
        let tuples = data.elements.compactMap { item -> ObjectValue? in
            if case .object(let tuple) = item { return tuple }
            return nil
        }
        guard var result = tuples.first else { return ObjectValue() }
        for tuple in tuples.dropFirst() {
            for (key, value) in tuple.entries {
                result[key] = append(result[key], value)
            }
        }
        return result
    }

    /// `^(...)` on a sequence of values.
    func evaluateSort(_ node: Node, _ items: [Value], _ environment: Environment) throws(JSONataError) -> Value? {
        let sorted = try sortItems(node, items) { item in (item, environment) }
        return .sequence(sorted)
    }

    func sortTuples(_ node: Node, _ tuples: [ObjectValue], _ environment: Environment) throws(JSONataError)
        -> [ObjectValue]
    {
        try sortItems(node, tuples) { tuple in (tuple["@"], self.frame(from: tuple, environment)) }
    }

    private func sortItems<T>(_ node: Node, _ items: [T], context: (T) -> (Value?, Environment)) throws(JSONataError)
        -> [T]
    {
        // Evaluate every sort key once, then merge-sort stably.
        var keys: [[Value?]] = []
        keys.reserveCapacity(items.count)
        for item in items {
            let (value, frame) = context(item)
            var row: [Value?] = []
            for term in node.terms {
                row.append(try evaluate(term.expression, value, frame))
            }
            keys.append(row)
        }
        for row in keys {
            for key in row {
                guard let key else { continue }
                switch key {
                case .int, .double, .string: continue
                default:
                    throw JSONataError(
                        code: "T2008",
                        message: "The expressions within an order-by clause must evaluate to numeric or string values",
                        position: node.position)
                }
            }
        }
        var sortError: JSONataError?
        func isAfter(_ a: Int, _ b: Int) -> Bool {
            for (termIndex, term) in node.terms.enumerated() {
                let left = keys[a][termIndex]
                let right = keys[b][termIndex]
                var comparison = 0
                switch (left, right) {
                case (nil, nil): comparison = 0
                case (nil, _): comparison = 1
                case (_, nil): comparison = -1
                case (.string(let x)?, .string(let y)?):
                    comparison = Self.compareStrings(x, y)
                    if term.descending { comparison = -comparison }
                default:
                    guard let x = left?.doubleValue, let y = right?.doubleValue else {
                        if sortError == nil {
                            sortError = JSONataError(
                                code: "T2007",
                                message: "Type mismatch within order-by clause. All values must be of the same type",
                                position: node.position)
                        }
                        return false
                    }
                    comparison = x < y ? -1 : (x == y ? 0 : 1)
                    if term.descending { comparison = -comparison }
                }
                if comparison != 0 { return comparison > 0 }
            }
            return false
        }
        let order = Self.mergeSort(Array(items.indices), isAfter: isAfter)
        if let sortError { throw sortError }
        return order.map { items[$0] }
    }

    /// Stable merge sort; `isAfter(a, b)` is true when `a` must come after `b`.
    static func mergeSort(_ items: [Int], isAfter: (Int, Int) -> Bool) -> [Int] {
        guard items.count > 1 else { return items }
        let middle = items.count / 2
        let left = mergeSort(Array(items[..<middle]), isAfter: isAfter)
        let right = mergeSort(Array(items[middle...]), isAfter: isAfter)
        var merged: [Int] = []
        merged.reserveCapacity(items.count)
        var i = 0
        var j = 0
        while i < left.count && j < right.count {
            if isAfter(left[i], right[j]) {
                merged.append(right[j])
                j += 1
            } else {
                merged.append(left[i])
                i += 1
            }
        }
        merged.append(contentsOf: left[i...])
        merged.append(contentsOf: right[j...])
        return merged
    }
}
