import Foundation

extension JSONata {
    /// Walks the expression tree. One evaluator serves one top-level evaluation; it tracks the recursion depth
    /// (U1001 guard) and an optional deadline.
    final class Evaluator {
        typealias Value = JSONata.Value

        /// Maximum nesting of evaluation frames before U1001 is raised.
        let maximumDepth: Int
        private(set) var depth = 0
        private let deadline: ContinuousClock.Instant?
        private var checks = 0
        private var startMillis: Int?
        /// Lowest address this evaluation may use on the stack (computed when recursion gets deep).
        private var stackFloor: Int?
        private var stackFloorKnown = false

        /// Milliseconds since the epoch at the first use within this evaluation (`$now()`, `$millis()` agree).
        var nowMillis: Int {
            if let startMillis { return startMillis }
            let now = Int((Date().timeIntervalSince1970 * 1000).rounded(.down))
            startMillis = now
            return now
        }

        init(maximumDepth: Int, timeLimit: Duration?) {
            self.maximumDepth = maximumDepth
            deadline = timeLimit.map { ContinuousClock.now.advanced(by: $0) }
        }

        @inline(__always)
        private func enter(_ node: Node) throws(JSONataError) {
            depth += 1
            if depth > maximumDepth || (depth > 8 && stackExhausted()) {
                throw JSONataError(
                    code: "U1001",
                    message:
                        "Stack overflow error: Check for non-terminating recursive function. Consider rewriting as tail-recursive.",
                    position: node.position)
            }
            if let deadline {
                checks &+= 1
                if checks & 0xFF == 0, ContinuousClock.now > deadline {
                    throw JSONataError(
                        code: "U1001", message: "Expression evaluation timeout: Check for infinite loop",
                        position: node.position)
                }
            }
        }

        private func stackExhausted() -> Bool {
            if !stackFloorKnown {
                stackFloorKnown = true
                stackFloor = StackGuard.lowestAddress().map { $0 + StackGuard.reserve }
            }
            guard let stackFloor else { return false }
            return StackGuard.currentAddress() < stackFloor
        }

        func evaluate(_ node: Node, _ input: Value?, _ environment: Environment) throws(JSONataError) -> Value? {
            try enter(node)
            defer { depth -= 1 }
            var result: Value?
            switch node.kind {
            case .path:
                result = try evaluatePath(node, input, environment)
            case .literal:
                result = Value(node.literal)
            case .name:
                result = input.flatMap { Self.lookup($0, node.value) }
            case .variable:
                result = node.value.isEmpty ? Self.unwrapOuter(input) : environment.lookup(node.value)
            case .binary:
                result = try evaluateBinary(node, input, environment)
            case .and:
                let left = try evaluate(node.left, input, environment)
                if !Self.truthy(left) {
                    result = .bool(false)
                } else {
                    result = .bool(Self.truthy(try evaluate(node.right, input, environment)))
                }
            case .or:
                let left = try evaluate(node.left, input, environment)
                if Self.truthy(left) {
                    result = .bool(true)
                } else {
                    result = .bool(Self.truthy(try evaluate(node.right, input, environment)))
                }
            case .negate:
                result = try evaluateNegation(node, input, environment)
            case .wildcard:
                result = Self.wildcard(input)
            case .descendant:
                result = Self.descendants(input)
            case .parent:
                result = node.slot.flatMap { environment.lookup($0.label) }
            case .condition:
                let condition = try evaluate(node.test, input, environment)
                if Self.truthy(condition) {
                    result = try evaluate(node.consequent, input, environment)
                } else if let otherwise = node.otherwise {
                    result = try evaluate(otherwise, input, environment)
                }
            case .block:
                let frame = Environment(parent: environment)
                for expression in node.expressions {
                    result = try evaluate(expression, input, frame)
                }
            case .bind:
                let value = try evaluate(node.right, input, environment)
                environment.bind(node.left.value, value)
                result = value
            case .array:
                result = try evaluateArrayConstructor(node, input, environment)
            case .object:
                result = try evaluateGroup(node.pairs, input, environment)
            case .regex:
                result = node.regex.map { .function(FunctionValue(.regex($0))) }
            case .lambda:
                if node.thunk {
                    result = .function(FunctionValue(.thunk(node: node, environment: environment, input: input)))
                } else {
                    result = .function(FunctionValue(.lambda(node: node, environment: environment, input: input)))
                }
            case .call:
                result = try evaluateCall(node, input, environment, prepending: nil)
            case .partial:
                result = try evaluatePartial(node, input, environment)
            case .apply:
                result = try evaluateApplyOperator(node, input, environment)
            case .transform:
                result = .function(FunctionValue(.transform(node: node, environment: environment)))
            case .sort:
                result = try evaluateSort(node, input.map { $0.elements } ?? [], environment)
            case .placeholder:
                result = nil
            case .rawDot, .rawPredicate, .rawGroup, .rawSort, .rawFocus, .rawIndex:
                throw JSONataError(code: "S0201", message: "Syntax error", position: node.position)
            }

            for stage in node.predicates {
                if case .filter(let predicate) = stage {
                    result = try filter(predicate, result, environment)
                }
            }
            if node.kind != .path, let group = node.group {
                result = try evaluateGroup(group.pairs, result, environment)
            }
            if case .array(var array)? = result, array.isSequence, !array.flags.contains(.tupleStream) {
                if node.keepArray { array.flags.insert(.keepSingleton) }
                if array.items.isEmpty {
                    result = nil
                } else if array.items.count == 1 && !array.flags.contains(.keepSingleton) {
                    result = array.items[0]
                } else {
                    result = .array(array)
                }
            }
            return result
        }

        /// `$` of a top-level array input is the array itself, not its one-item wrapper sequence.
        @inline(__always)
        static func unwrapOuter(_ input: Value?) -> Value? {
            if case .array(let array)? = input, array.flags.contains(.outerWrapper), array.items.count == 1 {
                return array.items[0]
            }
            return input
        }

        /// JSONata's boolean cast, as used by conditions, predicates and `and`/`or`.
        static func truthy(_ value: Value?) -> Bool {
            guard let value else { return false }
            switch value {
            case .null: return false
            case .bool(let flag): return flag
            case .int(let number): return number != 0
            case .double(let number): return number != 0
            case .string(let text): return !text.isEmpty
            case .array(let array):
                if array.items.count == 1 { return truthy(array.items[0]) }
                return array.items.contains { truthy($0) }
            case .jsonArray(let values):
                if values.count == 1 { return truthy(Value(values[0])) }
                return values.contains { truthy(Value($0)) }
            case .object(let object): return object.count > 0
            case .jsonObject(let object): return !object.isEmpty
            case .reference(let reference): return reference.object.count > 0
            case .function: return false
            }
        }

        /// Field lookup: on arrays it maps over the elements and flattens one level.
        static func lookup(_ input: Value, _ key: String) -> Value? {
            switch input {
            case .jsonObject, .object, .reference:
                return input.member(key)
            case .array, .jsonArray:
                var results: [Value] = []
                for element in input.elements {
                    guard let value = lookup(element, key) else { continue }
                    switch value {
                    case .array(let inner): results.append(contentsOf: inner.items)
                    case .jsonArray(let inner): results.append(contentsOf: inner.lazy.map(Value.init))
                    default: results.append(value)
                    }
                }
                return .sequence(results)
            default:
                return nil
            }
        }

        static func wildcard(_ input: Value?) -> Value? {
            guard var input else { return nil }
            var results: [Value] = []
            if case .array(let array) = input, array.flags.contains(.outerWrapper), let first = array.items.first {
                input = first
            }
            switch input {
            case .object, .jsonObject, .reference:
                for (_, value) in input.objectEntries {
                    if value.isArray {
                        flatten(value, into: &results)
                    } else {
                        results.append(value)
                    }
                }
            case .array, .jsonArray:
                for value in input.elements {
                    if value.isArray {
                        flatten(value, into: &results)
                    } else {
                        results.append(value)
                    }
                }
            default:
                break
            }
            return .sequence(results)
        }

        static func flatten(_ value: Value, into results: inout [Value]) {
            if value.isArray {
                for element in value.elements { flatten(element, into: &results) }
            } else {
                results.append(value)
            }
        }

        static func descendants(_ input: Value?) -> Value? {
            guard let input else { return nil }
            var results: [Value] = []
            collectDescendants(input, into: &results)
            if results.count == 1 { return results[0] }
            return .sequence(results)
        }

        private static func collectDescendants(_ value: Value, into results: inout [Value]) {
            switch value {
            case .array, .jsonArray:
                for element in value.elements { collectDescendants(element, into: &results) }
            case .object, .jsonObject, .reference:
                results.append(value)
                for (_, member) in value.objectEntries { collectDescendants(member, into: &results) }
            default:
                results.append(value)
            }
        }

        func evaluateArrayConstructor(_ node: Node, _ input: Value?, _ environment: Environment) throws(JSONataError)
            -> Value?
        {
            var items: [Value] = []
            for item in node.expressions {
                guard let value = try evaluate(item, input, environment) else { continue }
                if item.kind == .array {
                    items.append(value)
                } else if value.isArray {
                    items.append(contentsOf: value.elements)
                } else {
                    items.append(value)
                }
            }
            return .array(ArrayValue(items, flags: node.consArray ? .cons : []))
        }

        /// `$append` semantics: concatenates, wrapping non-arrays; undefined operands vanish.
        static func append(_ first: Value?, _ second: Value?) -> Value? {
            guard let first else { return second }
            guard let second else { return first }
            var items = first.isArray ? first.elements : [first]
            if second.isArray {
                items.append(contentsOf: second.elements)
            } else {
                items.append(second)
            }
            return .array(ArrayValue(items))
        }
    }
}
