import Foundation

extension JSONata.Library {
    /// Moves the decimal point of `value` by `places` through its decimal text, avoiding binary rounding noise.
    static func shiftDecimal(_ value: Double, by places: Int) -> Double {
        let text = JSONNumberFormatter.format(value)
        var mantissa = text
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = String(text[..<e])
            exponent = Int(text[text.index(after: e)...].replacingOccurrences(of: "+", with: "")) ?? 0
        }
        return Double("\(mantissa)e\(exponent + places)") ?? value * pow(10, Double(places))
    }

    static func parseNumber(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let lower = trimmed.lowercased()
        for (prefix, radix) in [("0x", 16), ("0b", 2), ("0o", 8)] where lower.hasPrefix(prefix) {
            return Int(lower.dropFirst(2), radix: radix).map(Double.init)
        }
        // JSON number grammar (no "Infinity", no hex floats, no leading '+'), leading zeros allowed.
        var normalized = Substring(trimmed)
        var sign = ""
        if normalized.hasPrefix("-") {
            sign = "-"
            normalized = normalized.dropFirst()
        }
        while normalized.count > 1, normalized.hasPrefix("0"), normalized.dropFirst().first?.isNumber == true {
            normalized = normalized.dropFirst()
        }
        guard let value = try? JSONValue(parsing: sign + normalized), let number = value.doubleValue, number.isFinite
        else {
            return nil
        }
        return number
    }

    static let numericFunctions: [Builtin] = [
        Builtin("number", "(nsb)-:n") { arguments, context throws(JSONataError) in
            guard let value = arguments[0] else { return nil }
            switch value {
            case .int, .double: return value
            case .bool(let flag): return .int(flag ? 1 : 0)
            case .string(let text):
                if let number = parseNumber(text) {
                    return number.rounded(.towardZero) == number && abs(number) < 9e15
                        ? .int(Int(number)) : .double(number)
                }
                fallthrough
            default:
                throw error("D3030", "Unable to cast value to a number: \(Evaluator.describe(value))", context)
            }
        },
        Builtin("abs", "n-:n") { arguments, _ throws(JSONataError) in
            switch arguments[0] {
            case .int(let number)? where number != Int.min: return .int(abs(number))
            case let value?: return value.doubleValue.map { .double(abs($0)) }
            case nil: return nil
            }
        },
        Builtin("floor", "n-:n") { arguments, _ throws(JSONataError) in
            guard let number = arguments[0]?.doubleValue else { return nil }
            if case .int = arguments[0] { return arguments[0] }
            return .double(number.rounded(.down))
        },
        Builtin("ceil", "n-:n") { arguments, _ throws(JSONataError) in
            guard let number = arguments[0]?.doubleValue else { return nil }
            if case .int = arguments[0] { return arguments[0] }
            return .double(number.rounded(.up))
        },
        Builtin("round", "n-n?:n") { arguments, _ throws(JSONataError) in
            guard let number = arguments[0]?.doubleValue else { return nil }
            let precision = integer(arguments[1]) ?? 0
            var value = precision != 0 ? shiftDecimal(number, by: precision) : number
            var result = value.rounded(.toNearestOrAwayFromZero)
            if abs(result - value) == 0.5 && abs(result.truncatingRemainder(dividingBy: 2)) == 1 {
                result = value < 0 ? result + 1 : result - 1
            }
            value = precision != 0 ? shiftDecimal(result, by: -precision) : result
            if value == 0 { value = 0 }
            return .double(value)
        },
        Builtin("power", "n-n:n") { arguments, context throws(JSONataError) in
            guard let base = arguments[0]?.doubleValue, let exponent = arguments[1]?.doubleValue else { return nil }
            let result = pow(base, exponent)
            guard result.isFinite else {
                throw error(
                    "D3061",
                    "The power function has resulted in a value that cannot be represented as a JSON number: base=\(JSONNumberFormatter.format(base)), exponent=\(JSONNumberFormatter.format(exponent))",
                    context)
            }
            return .double(result)
        },
        Builtin("sqrt", "n-:n") { arguments, context throws(JSONataError) in
            guard let number = arguments[0]?.doubleValue else { return nil }
            guard number >= 0 else {
                throw error(
                    "D3060",
                    "The sqrt function cannot be applied to a negative number: \(JSONNumberFormatter.format(number))",
                    context)
            }
            return .double(number.squareRoot())
        },
        Builtin("random", "") { _, _ throws(JSONataError) in
            .double(Double.random(in: 0..<1))
        },
    ]
}
