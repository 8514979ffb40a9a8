/// Operators over JSON values with exactly the evaluator's results (`JSONata.Evaluator+Operators`); every error
/// case throws ``ExpressionKernel/Fallback`` so that the evaluator raises the error with its code and position.
extension ExpressionKernel {
    static func arithmetic(_ op: Arithmetic, _ left: JSONValue?, _ right: JSONValue?, position: Int)
        throws(Fallback) -> JSONValue?
    {
        if case .int(let a)? = left, case .int(let b)? = right {
            switch op {
            case .add:
                let (sum, overflow) = a.addingReportingOverflow(b)
                if !overflow { return exactOrDouble(sum) }
            case .subtract:
                let (difference, overflow) = a.subtractingReportingOverflow(b)
                if !overflow { return exactOrDouble(difference) }
            case .multiply:
                let (product, overflow) = a.multipliedReportingOverflow(by: b)
                if !overflow { return exactOrDouble(product) }
            case .remainder:
                if b != 0 && b != -1 { return .int(a % b) }
            case .divide:
                break
            }
        }
        // Non-numbers are T2001/T2002, left to the evaluator; an undefined side makes the result undefined.
        if let left, finite(left) == nil { throw Fallback() }
        if let right, finite(right) == nil { throw Fallback() }
        guard let a = left.flatMap(finite), let b = right.flatMap(finite) else { return nil }
        let result: Double =
            switch op {
            case .add: a + b
            case .subtract: a - b
            case .multiply: a * b
            case .divide: a / b
            case .remainder: a.truncatingRemainder(dividingBy: b)
            }
        // Out of range (D1001) and division by zero stay with the evaluator.
        guard result.isFinite else { throw Fallback() }
        return .double(result)
    }

    /// A finite number as a double, `nil` for anything else.
    @inline(__always)
    private static func finite(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let number): Double(number)
        case .double(let number) where number.isFinite: number
        default: nil
        }
    }

    @inline(__always)
    private static func exactOrDouble(_ value: Int) -> JSONValue {
        value.magnitude <= 9_007_199_254_740_992 ? .int(value) : .double(Double(value))
    }

    static func compare(_ op: Comparison, _ left: JSONValue?, _ right: JSONValue?, position: Int)
        throws(Fallback) -> JSONValue?
    {
        let ordering: Int
        switch (left, right) {
        case (.int(let a)?, .int(let b)?):
            ordering = a < b ? -1 : (a == b ? 0 : 1)
        case (.string(let a)?, .string(let b)?):
            ordering = Evaluator.compareStrings(a, b)
        case (.int?, .double?), (.double?, .int?), (.double?, .double?):
            guard let a = left?.doubleValue, let b = right?.doubleValue else { throw Fallback() }
            ordering = a < b ? -1 : (a == b ? 0 : 1)
        case (nil, nil), (nil, .int?), (nil, .double?), (nil, .string?), (.int?, nil), (.double?, nil),
            (.string?, nil):
            return nil
        default:
            // T2010 (not a number or string) and T2009 (number against string).
            throw Fallback()
        }
        switch op {
        case .less: return .bool(ordering < 0)
        case .lessOrEqual: return .bool(ordering <= 0)
        case .greater: return .bool(ordering > 0)
        case .greaterOrEqual: return .bool(ordering >= 0)
        }
    }

    /// `=`: the evaluator's structural equality.
    @inline(__always)
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        default: Evaluator.deepEqual(Value(a), Value(b))
        }
    }

    /// An operand of `&` as text (`$string`); undefined is empty.
    @inline(__always)
    static func text(_ value: JSONValue?) throws(Fallback) -> String {
        switch value {
        case nil: return ""
        case .string(let text)?: return text
        case let other?:
            do {
                return try Evaluator.string(Value(other))
            } catch {
                throw Fallback()
            }
        }
    }

    /// JSONata's boolean cast.
    @inline(__always)
    static func truthy(_ value: JSONValue?) -> Bool {
        switch value {
        case nil, .null?: false
        case .bool(let flag)?: flag
        default: Evaluator.truthy(value.map(Value.init))
        }
    }

    static func negate(_ value: JSONValue?) throws(Fallback) -> JSONValue? {
        switch value {
        case nil: return nil
        case .int(let number)? where number != Int.min: return .int(-number)
        case .int(let number)?: return .double(-Double(number))
        case .double(let number)?: return .double(-number)
        default: throw Fallback()  // D1002
        }
    }
}
