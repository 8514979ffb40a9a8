extension JSONata.Library {
    static func numberValue(_ value: Double) -> Value {
        value.rounded(.towardZero) == value && abs(value) < 9e15 ? .int(Int(value)) : .double(value)
    }

    static func numberSymbols(_ options: Value?, _ context: CallContext) throws(JSONataError)
        -> JSONata.NumberPicture.Symbols
    {
        var symbols = JSONata.NumberPicture.Symbols()
        guard let options else { return symbols }
        for (key, value) in options.objectEntries {
            guard case .string(let text) = value else { continue }
            func single() throws(JSONataError) -> Character {
                guard text.count == 1, let character = text.first else {
                    throw error("D3079", "The option \(key) of $formatNumber must be a single character", context)
                }
                return character
            }
            switch key {
            case "decimal-separator": symbols.decimalSeparator = try single()
            case "grouping-separator": symbols.groupingSeparator = try single()
            case "exponent-separator": symbols.exponentSeparator = try single()
            case "zero-digit": symbols.zeroDigit = try single()
            case "digit": symbols.digit = try single()
            case "pattern-separator": symbols.patternSeparator = try single()
            case "minus-sign": symbols.minusSign = text
            case "infinity": symbols.infinity = text
            case "NaN": symbols.notANumber = text
            case "percent": symbols.percent = text
            case "per-mille": symbols.perMille = text
            default: break
            }
        }
        return symbols
    }

    static let formatFunctions: [Builtin] = [
        Builtin("formatNumber", "n-so?:s") { arguments, context throws(JSONataError) in
            guard let number = arguments[0]?.doubleValue, case .string(let picture)? = arguments[1] else { return nil }
            let symbols = try numberSymbols(arguments[2], context)
            let format = try JSONata.NumberPicture(picture, symbols: symbols, position: context.position)
            return .string(format.format(number))
        },
        Builtin("formatInteger", "n-s:s") { arguments, context throws(JSONataError) in
            guard let number = arguments[0]?.doubleValue, case .string(let picture)? = arguments[1] else { return nil }
            let format = try JSONata.IntegerPicture(picture, position: context.position)
            return .string(format.format(number))
        },
        Builtin("parseInteger", "s-s:n") { arguments, context throws(JSONataError) in
            guard case .string(let text)? = arguments[0], case .string(let picture)? = arguments[1] else { return nil }
            let format = try JSONata.IntegerPicture(picture, position: context.position)
            return format.parse(text).map(numberValue)
        },
        Builtin("formatBase", "n-n?:s") { arguments, context throws(JSONataError) in
            guard let number = arguments[0]?.doubleValue else { return nil }
            var radix = 10
            if let value = arguments[1]?.doubleValue { radix = Int(value.rounded(.down)) }
            guard (2...36).contains(radix) else {
                throw error(
                    "D3100", "The radix of the formatBase function must be between 2 and 36.  It was given \(radix)",
                    context)
            }
            let rounded = roundHalfEven(number)
            guard abs(rounded) < 9.2e18 else { return .string(JSONNumberFormatter.format(rounded)) }
            return .string(String(Int(rounded), radix: radix))
        },
    ]

    static func roundHalfEven(_ value: Double) -> Double {
        var result = value.rounded(.toNearestOrAwayFromZero)
        if abs(result - value) == 0.5 && abs(result.truncatingRemainder(dividingBy: 2)) == 1 {
            result = value < 0 ? result + 1 : result - 1
        }
        return result
    }
}
