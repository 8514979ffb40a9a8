extension JSONata {
    /// A function signature such as `<s-nn?:s>`: validates and coerces the arguments of a call.
    struct Signature: Sendable {
        struct Parameter: Sendable {
            /// Type symbols accepted (`m` = undefined).
            var accepted: Set<Character>
            var symbol: Character
            var subtype: String?
            var optional = false
            var variadic = false
            var context = false
        }

        private(set) var parameters: [Parameter] = []
        let text: String

        var parameterCount: Int { parameters.count }
        /// Parameters that are not marked optional (`?`).
        var requiredCount: Int { parameters.filter { !$0.optional || $0.context }.count }

        init(_ text: String, position: Int) throws(JSONataError) {
            self.text = text
            let chars = Array(text)
            var index = 0
            func fail(_ message: String) -> JSONataError {
                JSONataError(code: "S0402", message: message, position: position + index, token: text)
            }
            func accepted(for symbol: Character) -> Set<Character> {
                switch symbol {
                case "a", "x": Set("asnblfom")
                case "j": Set("asnblom")
                case "f": ["f"]
                default: [symbol, "m"]
                }
            }
            while index < chars.count {
                let c = chars[index]
                if c == ":" { break }  // return type is not checked
                switch c {
                case "s", "n", "b", "l", "o", "a", "f", "j", "x":
                    parameters.append(Parameter(accepted: accepted(for: c), symbol: c))
                    index += 1
                case "u":
                    parameters.append(Parameter(accepted: ["m"], symbol: c))
                    index += 1
                case "(":
                    guard let close = chars[index...].firstIndex(of: ")") else {
                        throw fail("Unclosed choice in signature")
                    }
                    let choice = chars[(index + 1)..<close]
                    if choice.contains("<") { throw fail("Type parameters are not allowed inside a choice") }
                    var set = Set(choice)
                    set.insert("m")
                    if choice.contains("x") || choice.contains("a") { set.formUnion("asnblfom") }
                    parameters.append(Parameter(accepted: set, symbol: "("))
                    index = close + 1
                case "<":
                    guard var last = parameters.popLast(), last.symbol == "a" || last.symbol == "f" else {
                        throw JSONataError(
                            code: "S0401", message: "Type parameters can only be applied to functions and arrays",
                            position: position + index, token: text)
                    }
                    var depth = 1
                    var end = index + 1
                    while end < chars.count && depth > 0 {
                        if chars[end] == "<" { depth += 1 }
                        if chars[end] == ">" { depth -= 1 }
                        end += 1
                    }
                    guard depth == 0 else { throw fail("Unclosed type parameter in signature") }
                    last.subtype = String(chars[(index + 1)..<(end - 1)])
                    parameters.append(last)
                    index = end
                case "?", "+", "-":
                    guard !parameters.isEmpty else { throw fail("Modifier without a parameter in signature") }
                    let last = parameters.count - 1
                    if c == "?" { parameters[last].optional = true }
                    if c == "+" { parameters[last].variadic = true }
                    if c == "-" {
                        parameters[last].context = true
                        parameters[last].optional = true
                    }
                    index += 1
                default:
                    throw fail("Unknown type symbol \(c) in signature")
                }
            }
        }

        static func symbol(of value: Value?) -> Character {
            guard let value else { return "m" }
            switch value {
            case .null: return "l"
            case .bool: return "b"
            case .int, .double: return "n"
            case .string: return "s"
            case .array, .jsonArray: return "a"
            case .object, .jsonObject, .reference: return "o"
            case .function: return "f"
            }
        }

        /// Finds how many arguments each parameter takes (greedy, backtracking like a regular expression).
        private func match(_ symbols: [Character], parameterLimit: Int, requireEnd: Bool) -> [Int]? {
            var counts = [Int](repeating: 0, count: parameterLimit)
            func step(_ p: Int, _ position: Int) -> Int? {
                if p == parameterLimit { return (!requireEnd || position == symbols.count) ? position : nil }
                let parameter = parameters[p]
                var maximum = 0
                while position + maximum < symbols.count && parameter.accepted.contains(symbols[position + maximum]) {
                    maximum += 1
                    if !parameter.variadic { break }
                }
                let minimum = (parameter.optional) ? 0 : 1
                if maximum < minimum { return nil }
                var take = maximum
                while take >= minimum {
                    counts[p] = take
                    if let end = step(p + 1, position + take) { return end }
                    take -= 1
                }
                return nil
            }
            return step(0, 0) == nil ? nil : counts
        }

        /// Checks `arguments` against the signature; returns them coerced (context inserted, singletons wrapped
        /// into arrays where an array is expected).
        func validate(_ arguments: [Value?], context: Value?, name: String, position: Int) throws(JSONataError)
            -> [Value?]
        {
            let symbols = arguments.map(Self.symbol(of:))
            guard let counts = match(symbols, parameterLimit: parameters.count, requireEnd: true) else {
                var goodTo = 0
                for limit in 1...max(parameters.count, 1) where limit <= parameters.count {
                    guard let partial = match(symbols, parameterLimit: limit, requireEnd: false) else { break }
                    goodTo = partial.reduce(0, +)
                }
                throw JSONataError(
                    code: "T0410",
                    message: "Argument \(goodTo + 1) of function \(name) does not match function signature",
                    position: position, token: name)
            }
            var validated: [Value?] = []
            validated.reserveCapacity(parameters.count)
            var argumentIndex = 0
            for (p, parameter) in parameters.enumerated() {
                let count = counts[p]
                if count == 0 {
                    if parameter.context {
                        guard parameter.accepted.contains(Self.symbol(of: context)) else {
                            throw JSONataError(
                                code: "T0411",
                                message:
                                    "Context value is not a compatible type with argument \(p + 1) of function \(name)",
                                position: position, token: name)
                        }
                        validated.append(try coerce(context, parameter, index: p + 1, name: name, position: position))
                    } else {
                        // As JSONata does: an optional parameter that matched nothing still takes the next argument.
                        validated.append(argumentIndex < arguments.count ? arguments[argumentIndex] : nil)
                        argumentIndex += 1
                    }
                    continue
                }
                for _ in 0..<count {
                    validated.append(
                        try coerce(
                            argumentIndex < arguments.count ? arguments[argumentIndex] : nil, parameter,
                            index: argumentIndex + 1, name: name, position: position))
                    argumentIndex += 1
                }
            }
            return validated
        }

        private func coerce(_ value: Value?, _ parameter: Parameter, index: Int, name: String, position: Int)
            throws(JSONataError) -> Value?
        {
            guard parameter.symbol == "a", let value else { return value }
            let symbol = Self.symbol(of: value)
            if let subtype = parameter.subtype, let expected = subtype.first {
                var ok = true
                if symbol != "a" {
                    ok = String(symbol) == subtype
                } else {
                    let items = value.elements
                    if let first = items.first {
                        let itemType = Self.symbol(of: first)
                        ok = itemType == expected && items.allSatisfy { Self.symbol(of: $0) == itemType }
                    }
                }
                guard ok else {
                    let typeName =
                        switch expected {
                        case "n": "numbers"
                        case "s": "strings"
                        case "b": "booleans"
                        case "o": "objects"
                        case "a": "arrays"
                        case "f": "functions"
                        default: "values"
                        }
                    throw JSONataError(
                        code: "T0412", message: "Argument \(index) of function \(name) must be an array of \(typeName)",
                        position: position, token: name)
                }
            }
            if symbol != "a" { return .array(ArrayValue([value])) }
            return value
        }
    }
}
