extension JSONata {
    /// A Pratt (top-down operator precedence) parser producing the raw tree; ``process(_:)`` then rewrites it
    /// into paths, stages and tuple steps.
    struct Parser {
        private let source: [Unicode.Scalar]
        private let tokens: [Token]
        private let lexerError: JSONataError?
        private var index = 0
        private var parentSlots = 0

        init(source: String) throws(JSONataError) {
            self.source = Array(source.unicodeScalars)
            var lexer = Lexer(source)
            (tokens, lexerError) = lexer.tokenize()
        }

        /// Parses and processes the whole expression.
        static func parse(_ source: String) throws(JSONataError) -> Node {
            var parser = try Parser(source: source)
            let raw = try parser.expression(0)
            try parser.checkLexerError()
            guard case .end = parser.current.kind else {
                throw JSONataError(
                    code: "S0201", message: "Syntax error: \"\(parser.current.text)\"", position: parser.current.end,
                    token: parser.current.text)
            }
            var processor = Processor()
            let root = try processor.process(raw)
            if root.kind == .parent || !root.seekingParent.isEmpty {
                throw JSONataError(
                    code: "S0217",
                    message: "The object representing the 'parent' cannot be derived from this expression",
                    position: root.position, token: root.kind == .parent ? "parent" : nil)
            }
            return root
        }

        private var current: Token { tokens[index] }

        private mutating func advance() {
            if index < tokens.count - 1 { index += 1 }
        }

        private func isOp(_ symbol: String) -> Bool {
            current.operatorSymbol == symbol
        }

        private func checkLexerError() throws(JSONataError) {
            if case .invalid = current.kind, let lexerError { throw lexerError }
        }

        private mutating func expect(_ symbol: String) throws(JSONataError) {
            try checkLexerError()
            guard isOp(symbol) else {
                if let found = current.operatorSymbol, Self.bindingPowers[found] == nil, found == "!" || found == "~" {
                    throw JSONataError(
                        code: "S0204", message: "Unknown operator: \"\(found)\"", position: current.end, token: found)
                }
                if case .end = current.kind {
                    throw JSONataError(
                        code: "S0203", message: "Expected \"\(symbol)\" before end of expression",
                        position: current.end,
                        token: symbol)
                }
                throw JSONataError(
                    code: "S0202", message: "Expected \"\(symbol)\", got \"\(current.text)\"", position: current.end,
                    token: current.text)
            }
            advance()
        }

        static let bindingPowers: [String: Int] = [
            ".": 75, "[": 80, "{": 70, "(": 80, "@": 80, "#": 80, "?": 20, "+": 50, "-": 50, "*": 60, "/": 60,
            "%": 60, "=": 40, "<": 40, ">": 40, "^": 40, "..": 20, ":=": 10, "!=": 40, "<=": 40, ">=": 40,
            "~>": 40, "?:": 40, "??": 40, "and": 30, "or": 25, "in": 40, "&": 50,
        ]

        private var leftBindingPower: Int {
            guard let symbol = current.operatorSymbol else { return 0 }
            return Self.bindingPowers[symbol] ?? 0
        }

        mutating func expression(_ rbp: Int) throws(JSONataError) -> Node {
            try checkLexerError()
            let token = current
            if case .end = token.kind {
                throw JSONataError(code: "S0207", message: "Unexpected end of expression", position: token.end)
            }
            advance()
            var left = try nud(token)
            while rbp < leftBindingPower {
                let op = current
                advance()
                left = try led(op, left)
            }
            return left
        }

        private mutating func nud(_ token: Token) throws(JSONataError) -> Node {
            switch token.kind {
            case .name(let name):
                return Node(.name, position: token.end, value: name)
            case .variable(let name):
                return Node(.variable, position: token.end, value: name)
            case .string(let text):
                let node = Node(.literal, position: token.end)
                node.literal = .string(text)
                return node
            case .number(let number):
                let node = Node(.literal, position: token.end)
                node.literal = .number(number)
                return node
            case .literal(let value):
                let node = Node(.literal, position: token.end)
                node.literal = value
                return node
            case .regex(let pattern, let flags):
                let node = Node(.regex, position: token.end)
                node.regex = try RegexLiteral(pattern: pattern, flags: flags, position: token.end)
                return node
            case .end, .invalid:
                throw lexerError
                    ?? JSONataError(code: "S0207", message: "Unexpected end of expression", position: token.end)
            case .op(let symbol):
                return try prefix(symbol, token)
            }
        }

        private mutating func prefix(_ symbol: String, _ token: Token) throws(JSONataError) -> Node {
            switch symbol {
            case "and", "or", "in":
                return Node(.name, position: token.end, value: symbol)
            case "-":
                let node = Node(.negate, position: token.end, value: "-")
                node.lhs = try expression(70)
                return node
            case "*":
                return Node(.wildcard, position: token.end, value: "*")
            case "**":
                return Node(.descendant, position: token.end, value: "**")
            case "%":
                return Node(.parent, position: token.end, value: "%")
            case "?":
                return Node(.placeholder, position: token.end, value: "?")
            case "(":
                let node = Node(.block, position: token.end)
                while !isOp(")") {
                    node.expressions.append(try expression(0))
                    guard isOp(";") else { break }
                    advance()
                }
                try expect(")")
                return node
            case "[":
                let node = Node(.array, position: token.end)
                if !isOp("]") {
                    while true {
                        node.expressions.append(try expression(0))
                        guard isOp(",") else { break }
                        advance()
                    }
                }
                try expect("]")
                return node
            case "{":
                let node = Node(.object, position: token.end)
                node.pairs = try objectPairs()
                return node
            case "|":
                let node = Node(.transform, position: token.end)
                node.lhs = try expression(0)
                try expect("|")
                node.rhs = try expression(0)
                if isOp(",") {
                    advance()
                    node.otherwise = try expression(0)
                }
                try expect("|")
                return node
            default:
                throw JSONataError(
                    code: "S0211", message: "The symbol \(symbol) cannot be used as a unary operator",
                    position: token.end, token: symbol)
            }
        }

        private mutating func objectPairs() throws(JSONataError) -> [(Node, Node)] {
            var pairs: [(Node, Node)] = []
            if !isOp("}") {
                while true {
                    let key = try expression(0)
                    try expect(":")
                    let value = try expression(0)
                    pairs.append((key, value))
                    guard isOp(",") else { break }
                    advance()
                }
            }
            try expect("}")
            return pairs
        }

        private mutating func led(_ token: Token, _ left: Node) throws(JSONataError) -> Node {
            guard let symbol = token.operatorSymbol else {
                throw JSONataError(
                    code: "S0201", message: "Syntax error: \"\(token.text)\"", position: token.end, token: token.text)
            }
            let bp = Self.bindingPowers[symbol] ?? 0
            switch symbol {
            case ".":
                let node = Node(.rawDot, position: token.end, value: ".")
                node.lhs = left
                node.rhs = try expression(bp)
                return node
            case "[":
                if isOp("]") {
                    var step = left
                    while step.kind == .rawPredicate, let inner = step.lhs { step = inner }
                    step.keepArray = true
                    advance()
                    return left
                }
                let node = Node(.rawPredicate, position: token.end, value: "[")
                node.lhs = left
                node.rhs = try expression(0)
                try expect("]")
                return node
            case "{":
                let node = Node(.rawGroup, position: token.end, value: "{")
                node.lhs = left
                node.pairs = try objectPairs()
                return node
            case "(":
                return try call(left, token)
            case "^":
                let node = Node(.rawSort, position: token.end, value: "^")
                node.lhs = left
                try expect("(")
                while true {
                    var descending = false
                    if isOp("<") {
                        advance()
                    } else if isOp(">") {
                        descending = true
                        advance()
                    }
                    node.terms.append((try expression(0), descending))
                    guard isOp(",") else { break }
                    advance()
                }
                try expect(")")
                return node
            case "?":
                let node = Node(.condition, position: token.end, value: "?")
                node.condition = left
                node.then = try expression(0)
                if isOp(":") {
                    advance()
                    node.otherwise = try expression(0)
                }
                return node
            case ":=":
                guard left.kind == .variable else {
                    throw JSONataError(
                        code: "S0212", message: "The left side of := must be a variable name (start with $)",
                        position: left.position, token: left.value)
                }
                let node = Node(.bind, position: token.end, value: ":=")
                node.lhs = left
                node.rhs = try expression(bp - 1)
                return node
            case "@", "#":
                let rhs = try expression(bp)
                guard rhs.kind == .variable else {
                    throw JSONataError(
                        code: "S0214", message: "The right side of \(symbol) must be a variable name (start with $)",
                        position: rhs.position, token: symbol)
                }
                let node = Node(symbol == "@" ? .rawFocus : .rawIndex, position: token.end, value: symbol)
                node.lhs = left
                node.rhs = rhs
                return node
            case "and", "or":
                let node = Node(symbol == "and" ? .and : .or, position: token.end, value: symbol)
                node.lhs = left
                node.rhs = try expression(bp)
                return node
            case "~>":
                let node = Node(.apply, position: token.end, value: symbol)
                node.lhs = left
                node.rhs = try expression(bp)
                return node
            default:
                guard Self.bindingPowers[symbol] != nil else {
                    throw JSONataError(
                        code: "S0204", message: "Unknown operator: \"\(symbol)\"", position: token.end, token: symbol)
                }
                let node = Node(.binary, position: token.end, value: symbol)
                node.lhs = left
                node.rhs = try expression(bp)
                return node
            }
        }

        private mutating func call(_ left: Node, _ token: Token) throws(JSONataError) -> Node {
            var arguments: [Node] = []
            var isPartial = false
            if !isOp(")") {
                while true {
                    if isOp("?"), index + 1 < tokens.count,
                        tokens[index + 1].operatorSymbol == "," || tokens[index + 1].operatorSymbol == ")"
                    {
                        arguments.append(Node(.placeholder, position: current.end, value: "?"))
                        isPartial = true
                        advance()
                    } else {
                        arguments.append(try expression(0))
                    }
                    guard isOp(",") else { break }
                    advance()
                }
            }
            try expect(")")
            if left.kind == .name && (left.value == "function" || left.value == "λ") {
                let node = Node(.lambda, position: token.end, value: "function")
                for argument in arguments {
                    guard argument.kind == .variable else {
                        throw JSONataError(
                            code: "S0208",
                            message:
                                "Parameter \(argument.value) of function definition must be a variable name (start with $)",
                            position: argument.position, token: argument.value)
                    }
                    node.params.append(argument.value)
                }
                if isOp("<") {
                    let start = current.start
                    var depth = 0
                    var end = start
                    repeat {
                        if case .end = current.kind {
                            throw JSONataError(
                                code: "S0401", message: "Unterminated function signature", position: current.end)
                        }
                        if isOp("<") { depth += 1 }
                        if isOp(">") { depth -= 1 }
                        end = current.end
                        advance()
                    } while depth > 0
                    let text = String(String.UnicodeScalarView(source[(start + 1)..<(end - 1)]))
                    node.signature = try Signature(text, position: start)
                }
                try expect("{")
                node.body = try expression(0)
                try expect("}")
                return node
            }
            let node = Node(isPartial ? .partial : .call, position: token.end, value: "(")
            node.procedure = left
            node.expressions = arguments
            return node
        }
    }
}
