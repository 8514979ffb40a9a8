extension JSONata {
    /// One lexical token of an expression.
    struct Token: Sendable {
        enum Kind: Sendable, Equatable {
            /// Operator or punctuation, including the word operators `and`, `or`, `in`.
            case op(String)
            case name(String)
            /// A `$name` variable; `""` for `$` and `"$"` for `$$`.
            case variable(String)
            case string(String)
            case number(Double)
            case literal(JSONValue)
            case regex(pattern: String, flags: String)
            case end
            /// Where lexing failed; the parser reports the lexer's error if it gets this far.
            case invalid
        }

        var kind: Kind
        /// Offset of the first character.
        var start: Int
        /// Offset just past the token: the position JSONata reports in errors.
        var end: Int

        var operatorSymbol: String? {
            if case .op(let symbol) = kind { return symbol }
            return nil
        }

        /// The token's text for error messages.
        var text: String {
            switch kind {
            case .op(let symbol): symbol
            case .name(let name): name
            case .variable(let name): "$" + name
            case .string(let value): value
            case .number(let value): JSONNumberFormatter.format(value)
            case .literal(let value): value.serialized()
            case .regex(let pattern, _): "/" + pattern + "/"
            case .end: "(end)"
            case .invalid: "(invalid)"
            }
        }
    }
}
