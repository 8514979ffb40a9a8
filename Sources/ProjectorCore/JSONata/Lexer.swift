extension JSONata {
    /// Splits an expression into tokens. A `/` starts a regular expression where an operand is expected.
    struct Lexer {
        private let chars: [Unicode.Scalar]
        private var offset = 0

        init(_ source: String) {
            chars = Array(source.unicodeScalars)
        }

        static let singleOperators: Set<Unicode.Scalar> = [
            ".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":", "?", "+", "-", "*", "/", "%", "|", "=",
            "<", ">", "^", "&", "!", "~",
        ]

        static func isNameTerminator(_ c: Unicode.Scalar) -> Bool {
            singleOperators.contains(c) || c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0B}"
                || c == "\u{0C}" || c == "\"" || c == "'" || c == "`"
        }

        /// Tokenizes the whole source; the last token is `.end`.
        /// Tokenizes the whole source; the last token is `.end`, or `.invalid` followed by the lexing error.
        mutating func tokenize() -> (tokens: [Token], error: JSONataError?) {
            var tokens: [Token] = []
            while true {
                let operandExpected = Self.expectsOperand(after: tokens.last)
                do throws(JSONataError) {
                    let token = try next(operandExpected: operandExpected)
                    tokens.append(token)
                    if case .end = token.kind { return (tokens, nil) }
                } catch {
                    tokens.append(Token(kind: .invalid, start: offset, end: offset))
                    return (tokens, error)
                }
            }
        }

        private static func expectsOperand(after token: Token?) -> Bool {
            guard let token else { return true }
            switch token.kind {
            case .op(let symbol): return symbol != ")" && symbol != "]" && symbol != "}"
            default: return false
            }
        }

        private func peek(_ distance: Int = 0) -> Unicode.Scalar? {
            let index = offset + distance
            return index < chars.count ? chars[index] : nil
        }

        private mutating func skipWhitespaceAndComments() throws(JSONataError) {
            while let c = peek() {
                if c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0B}" || c == "\u{0C}" {
                    offset += 1
                } else if c == "/", peek(1) == "*" {
                    let commentStart = offset
                    offset += 2
                    while true {
                        guard let d = peek() else {
                            throw JSONataError(
                                code: "S0106", message: "Comment has no closing tag", position: commentStart)
                        }
                        if d == "*", peek(1) == "/" {
                            offset += 2
                            break
                        }
                        offset += 1
                    }
                } else {
                    return
                }
            }
        }

        private mutating func next(operandExpected: Bool) throws(JSONataError) -> Token {
            try skipWhitespaceAndComments()
            let start = offset
            guard let c = peek() else { return Token(kind: .end, start: start, end: start) }
            func make(_ kind: Token.Kind) -> Token { Token(kind: kind, start: start, end: offset) }

            if operandExpected && c == "/" {
                offset += 1
                return make(try scanRegex(start: start))
            }
            // Two-character operators.
            if let d = peek(1) {
                let pair = String(Character(c)) + String(Character(d))
                switch pair {
                case "..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??":
                    offset += 2
                    return make(.op(pair))
                default: break
                }
            }
            if Self.singleOperators.contains(c) {
                offset += 1
                return make(.op(String(Character(c))))
            }
            if c == "\"" || c == "'" {
                offset += 1
                return make(.string(try scanString(quote: c, start: start)))
            }
            if c >= "0" && c <= "9" {
                return make(.number(try scanNumber(start: start)))
            }
            if c == "`" {
                offset += 1
                var name = ""
                while let d = peek(), d != "`" {
                    name.unicodeScalars.append(d)
                    offset += 1
                }
                guard peek() == "`" else {
                    throw JSONataError(
                        code: "S0105",
                        message: "Quoted property name must be terminated with a backquote (`) character",
                        position: offset)
                }
                offset += 1
                return make(.name(name))
            }
            if c == "$" {
                offset += 1
                var name = ""
                while let d = peek(), !Self.isNameTerminator(d) {
                    name.unicodeScalars.append(d)
                    offset += 1
                }
                return make(.variable(name))
            }
            var name = ""
            while let d = peek(), !Self.isNameTerminator(d) {
                name.unicodeScalars.append(d)
                offset += 1
            }
            switch name {
            case "and", "or", "in": return make(.op(name))
            case "true": return make(.literal(.bool(true)))
            case "false": return make(.literal(.bool(false)))
            case "null": return make(.literal(.null))
            default: return make(.name(name))
            }
        }

        private mutating func scanRegex(start: Int) throws(JSONataError) -> Token.Kind {
            var pattern = ""
            var depth = 0  // inside [...] a slash does not end the pattern
            while true {
                guard let c = peek() else {
                    throw JSONataError(
                        code: "S0302", message: "No terminating / in regular expression", position: offset)
                }
                if c == "/" && depth == 0 { break }
                if c == "\\" {
                    pattern.unicodeScalars.append(c)
                    offset += 1
                    if let d = peek() {
                        pattern.unicodeScalars.append(d)
                        offset += 1
                    }
                    continue
                }
                if c == "[" { depth += 1 }
                if c == "]" && depth > 0 { depth -= 1 }
                pattern.unicodeScalars.append(c)
                offset += 1
            }
            offset += 1
            guard !pattern.isEmpty else {
                throw JSONataError(
                    code: "S0301", message: "Empty regular expressions are not allowed", position: offset)
            }
            var flags = ""
            while let c = peek(), c == "i" || c == "m" || c == "g" || c == "s" || c == "x" || c == "u" {
                flags.unicodeScalars.append(c)
                offset += 1
            }
            return .regex(pattern: pattern, flags: flags)
        }

        private mutating func scanString(quote: Unicode.Scalar, start: Int) throws(JSONataError) -> String {
            var value = ""
            while true {
                guard let c = peek() else {
                    throw JSONataError(
                        code: "S0101", message: "String literal must be terminated by a matching quote",
                        position: offset)
                }
                offset += 1
                if c == quote { return value }
                guard c == "\\" else {
                    value.unicodeScalars.append(c)
                    continue
                }
                guard let e = peek() else {
                    throw JSONataError(
                        code: "S0101", message: "String literal must be terminated by a matching quote",
                        position: offset)
                }
                offset += 1
                switch e {
                case "\"", "\\", "/", "'": value.unicodeScalars.append(e)
                case "b": value.unicodeScalars.append("\u{08}")
                case "f": value.unicodeScalars.append("\u{0C}")
                case "n": value.unicodeScalars.append("\n")
                case "r": value.unicodeScalars.append("\r")
                case "t": value.unicodeScalars.append("\t")
                case "u":
                    var code = try scanHex4()
                    if (0xD800..<0xDC00).contains(code), peek() == "\\", peek(1) == "u" {
                        let saved = offset
                        offset += 2
                        let low = try scanHex4()
                        if (0xDC00..<0xE000).contains(low) {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            offset = saved
                        }
                    }
                    value.unicodeScalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                default:
                    throw JSONataError(
                        code: "S0103", message: "Unsupported escape sequence: \\\(Character(e))", position: offset,
                        token: String(Character(e)))
                }
            }
        }

        private mutating func scanHex4() throws(JSONataError) -> UInt32 {
            var code: UInt32 = 0
            for _ in 0..<4 {
                guard let c = peek(), let digit = Self.hexValue(c) else {
                    throw JSONataError(
                        code: "S0104", message: "The escape sequence \\u must be followed by 4 hex digits",
                        position: offset)
                }
                code = code * 16 + digit
                offset += 1
            }
            return code
        }

        private static func hexValue(_ c: Unicode.Scalar) -> UInt32? {
            switch c {
            case "0"..."9": c.value - 48
            case "a"..."f": c.value - 87
            case "A"..."F": c.value - 55
            default: nil
            }
        }

        private mutating func scanNumber(start: Int) throws(JSONataError) -> Double {
            var text = ""
            func digits() {
                while let c = peek(), c >= "0" && c <= "9" {
                    text.unicodeScalars.append(c)
                    offset += 1
                }
            }
            if peek() == "0" {
                text.append("0")
                offset += 1
            } else {
                digits()
            }
            if peek() == ".", let d = peek(1), d >= "0" && d <= "9" {
                text.append(".")
                offset += 1
                digits()
            }
            if let e = peek(), e == "e" || e == "E" {
                var lookahead = 1
                if let s = peek(1), s == "+" || s == "-" { lookahead = 2 }
                if let d = peek(lookahead), d >= "0" && d <= "9" {
                    for _ in 0..<lookahead {
                        text.unicodeScalars.append(chars[offset])
                        offset += 1
                    }
                    digits()
                }
            }
            guard let value = Double(text), value.isFinite else {
                throw JSONataError(
                    code: "S0102", message: "Number out of range: \(text)", position: offset, token: text)
            }
            return value
        }
    }
}
