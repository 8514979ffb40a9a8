extension JSONata.Evaluator {
    func evaluateNegation(_ node: Node, _ input: Value?, _ environment: Environment) throws(JSONataError) -> Value? {
        guard let value = try evaluate(node.left, input, environment) else { return nil }
        switch value {
        case .int(let number) where number != Int.min: return .int(-number)
        case .int(let number): return .double(-Double(number))
        case .double(let number): return .double(-number)
        default:
            throw JSONataError(
                code: "D1002", message: "Cannot negate a non-numeric value: \(Self.describe(value))",
                position: node.position, token: "-")
        }
    }

    func evaluateBinary(_ node: Node, _ input: Value?, _ environment: Environment) throws(JSONataError) -> Value? {
        let op = node.value
        switch op {
        case "?:":
            let left = try evaluate(node.left, input, environment)
            if Self.truthy(left) { return left }
            return try evaluate(node.right, input, environment)
        case "??":
            if let left = try evaluate(node.left, input, environment) { return left }
            return try evaluate(node.right, input, environment)
        default:
            break
        }
        let left = try evaluate(node.left, input, environment)
        let right = try evaluate(node.right, input, environment)
        switch op {
        case "+", "-", "*", "/", "%":
            return try Self.arithmetic(op, left, right, position: node.position)
        case "=":
            guard let left, let right else { return .bool(false) }
            return .bool(Self.deepEqual(left, right))
        case "!=":
            guard let left, let right else { return .bool(false) }
            return .bool(!Self.deepEqual(left, right))
        case "<", "<=", ">", ">=":
            return try Self.compare(op, left, right, position: node.position)
        case "&":
            let leftText = try left.map { value throws(JSONataError) in try Self.string(value) } ?? ""
            let rightText = try right.map { value throws(JSONataError) in try Self.string(value) } ?? ""
            return .string(leftText + rightText)
        case "in":
            guard let left, let right else { return .bool(false) }
            let candidates = right.isArray ? right.elements : [right]
            return .bool(candidates.contains { Self.strictEqual($0, left) })
        case "..":
            return try Self.range(left, right, position: node.position)
        default:
            throw JSONataError(code: "S0204", message: "Unknown operator: \(op)", position: node.position, token: op)
        }
    }

    static func arithmetic(_ op: String, _ left: Value?, _ right: Value?, position: Int) throws(JSONataError) -> Value?
    {
        if let left, !isFiniteNumber(left) {
            throw JSONataError(
                code: "T2001", message: "The left side of the \(op) operator must evaluate to a number",
                position: position, token: op)
        }
        if let right, !isFiniteNumber(right) {
            throw JSONataError(
                code: "T2002", message: "The right side of the \(op) operator must evaluate to a number",
                position: position, token: op)
        }
        guard let left, let right else { return nil }
        if case .int(let a) = left, case .int(let b) = right {
            switch op {
            case "+":
                let (sum, overflow) = a.addingReportingOverflow(b)
                if !overflow { return Self.exactOrDouble(sum) }
            case "-":
                let (difference, overflow) = a.subtractingReportingOverflow(b)
                if !overflow { return Self.exactOrDouble(difference) }
            case "*":
                let (product, overflow) = a.multipliedReportingOverflow(by: b)
                if !overflow { return Self.exactOrDouble(product) }
            case "%":
                if b != 0 && b != -1 { return .int(a % b) }
            default:
                break
            }
        }
        let a = left.doubleValue ?? 0
        let b = right.doubleValue ?? 0
        let result: Double =
            switch op {
            case "+": a + b
            case "-": a - b
            case "*": a * b
            case "/": a / b
            default: a.truncatingRemainder(dividingBy: b)
            }
        guard result.isFinite || op == "/" else {
            throw JSONataError(code: "D1001", message: "Number out of range: \(result)", position: position, token: op)
        }
        return .double(result)
    }

    /// Integers stay exact while JavaScript's doubles would be exact too (|n| ≤ 2^53); beyond that the result is
    /// rounded to a double exactly as JavaScript rounds it.
    @inline(__always)
    static func exactOrDouble(_ value: Int) -> Value {
        value.magnitude <= 9_007_199_254_740_992 ? .int(value) : .double(Double(value))
    }

    static func isFiniteNumber(_ value: Value) -> Bool {
        switch value {
        case .int: true
        case .double(let number): number.isFinite
        default: false
        }
    }

    static func compare(_ op: String, _ left: Value?, _ right: Value?, position: Int) throws(JSONataError) -> Value? {
        func comparable(_ value: Value?) -> Bool {
            guard let value else { return true }
            switch value {
            case .int, .double, .string: return true
            default: return false
            }
        }
        guard comparable(left), comparable(right) else {
            throw JSONataError(
                code: "T2010",
                message: "The expressions either side of operator \"\(op)\" must evaluate to numeric or string values",
                position: position, token: op)
        }
        guard let left, let right else { return nil }
        let ordering: Int
        switch (left, right) {
        case (.int(let a), .int(let b)): ordering = a < b ? -1 : (a == b ? 0 : 1)
        case (.string(let a), .string(let b)): ordering = compareStrings(a, b)
        default:
            guard let a = left.doubleValue, let b = right.doubleValue else {
                throw JSONataError(
                    code: "T2009",
                    message:
                        "The values \(describe(left)) and \(describe(right)) either side of operator \"\(op)\" must be of the same data type",
                    position: position, token: op)
            }
            ordering = a < b ? -1 : (a == b ? 0 : 1)
        }
        switch op {
        case "<": return .bool(ordering < 0)
        case "<=": return .bool(ordering <= 0)
        case ">": return .bool(ordering > 0)
        default: return .bool(ordering >= 0)
        }
    }

    /// Compares strings by UTF-16 code units, as JavaScript does.
    static func compareStrings(_ a: String, _ b: String) -> Int {
        if a == b { return 0 }
        var left = a.utf16.makeIterator()
        var right = b.utf16.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let x?, let y?):
                if x != y { return x < y ? -1 : 1 }
            }
        }
    }

    static func range(_ left: Value?, _ right: Value?, position: Int) throws(JSONataError) -> Value? {
        func integer(_ value: Value?) -> Int?? {
            guard let value else { return .some(nil) }
            switch value {
            case .int(let number): return number
            case .double(let number) where number.rounded(.towardZero) == number && abs(number) < 9e15:
                return Int(number)
            default: return nil
            }
        }
        guard let low = integer(left) else {
            throw JSONataError(
                code: "T2003", message: "The left side of the range operator (..) must evaluate to an integer",
                position: position, token: "..")
        }
        guard let high = integer(right) else {
            throw JSONataError(
                code: "T2004", message: "The right side of the range operator (..) must evaluate to an integer",
                position: position, token: "..")
        }
        guard let low, let high else { return nil }
        if low > high { return nil }
        guard high - low < 10_000_000 else {
            throw JSONataError(
                code: "D2014",
                message:
                    "The size of the sequence allocated by the range operator (..) must not exceed 1e6.  Attempted to allocate \(high - low + 1).",
                position: position, token: "..")
        }
        return .array(ArrayValue((low...high).map { .int($0) }))
    }

    /// `in` compares like JavaScript's `===`: primitives by value, containers never equal.
    static func strictEqual(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        default:
            if let x = a.doubleValue, let y = b.doubleValue { return x == y }
            return false
        }
    }

    /// Structural equality used by `=` and `!=`.
    static func deepEqual(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.jsonArray(let x), .jsonArray(let y)): return x == y
        case (.jsonObject(let x), .jsonObject(let y)): return x == y
        case (.function(let x), .function(let y)): return x === y
        default:
            if let x = a.doubleValue, let y = b.doubleValue { return x == y }
            if a.isArray && b.isArray {
                let x = a.elements
                let y = b.elements
                guard x.count == y.count else { return false }
                return zip(x, y).allSatisfy { deepEqual($0, $1) }
            }
            if a.isObject && b.isObject {
                let x = a.objectEntries
                guard x.count == b.objectKeys.count else { return false }
                return x.allSatisfy { key, value in b.member(key).map { deepEqual(value, $0) } ?? false }
            }
            return false
        }
    }

    /// A short rendering of a value for error messages (never a whole document).
    static func describe(_ value: Value?) -> String {
        guard let value else { return "undefined" }
        switch value {
        case .string(let text): return "\"" + (text.count > 40 ? String(text.prefix(40)) + "…" : text) + "\""
        case .int, .double, .bool, .null: return value.json.serialized()
        case .array, .jsonArray: return "an array"
        case .object, .jsonObject, .reference: return "an object"
        case .function: return "a function"
        }
    }
}
