extension JSONata {
    /// A frame of variable bindings. The root frame also sees the caller's bindings and the function library.
    final class Environment {
        let parent: Environment?
        private var names: [String] = []
        private var values: [Value?] = []
        private let external: [String: JSONValue]?

        init(parent: Environment?) {
            self.parent = parent
            external = nil
        }

        init(root external: [String: JSONValue]) {
            parent = nil
            self.external = external
        }

        func bind(_ name: String, _ value: Value?) {
            if let position = names.firstIndex(of: name) {
                values[position] = value
            } else {
                names.append(name)
                values.append(value)
            }
        }

        /// The value of `$name`: innermost frame first, then caller bindings, then library functions.
        func lookup(_ name: String) -> Value? {
            var frame: Environment? = self
            while let current = frame {
                if !current.names.isEmpty, let position = current.names.firstIndex(of: name) {
                    return current.values[position]
                }
                if let external = current.external {
                    if let value = external[name] { return Value(value) }
                    return Library.function(named: name)
                }
                frame = current.parent
            }
            return Library.function(named: name)
        }
    }

    /// A callable value: a lambda, a library function, a partial application, a regex or a transform.
    final class FunctionValue {
        enum Kind {
            case lambda(node: Node, environment: Environment, input: Value?)
            case thunk(node: Node, environment: Environment, input: Value?)
            case builtin(Builtin)
            case partial(function: FunctionValue, arguments: [Value?], holes: [Int])
            case regex(RegexLiteral)
            case transform(node: Node, environment: Environment)
            case composition(first: FunctionValue, second: FunctionValue)
            /// A function made by the library at run time (e.g. the `next` of a `$match` result).
            case native((_ arguments: [Value?], _ context: CallContext) throws(JSONataError) -> Value?)
        }

        let kind: Kind

        init(_ kind: Kind) {
            self.kind = kind
        }

        /// Number of parameters (used by `$map`, `$filter`, … to decide what to pass).
        var arity: Int {
            switch kind {
            case .lambda(let node, _, _): node.params.count
            case .thunk: 0
            case .builtin(let builtin): builtin.signature?.requiredCount ?? 1
            case .partial(_, _, let holes): holes.count
            case .regex: 1
            case .transform: 1
            case .composition(let first, _): first.arity
            case .native: 0
            }
        }

        var signature: Signature? {
            switch kind {
            case .lambda(let node, _, _): node.signature
            case .builtin(let builtin): builtin.signature
            default: nil
            }
        }
    }

    /// The context a library function runs in.
    struct CallContext {
        let evaluator: Evaluator
        let input: Value?
        let environment: Environment
        let position: Int
    }

    /// A function of the library.
    struct Builtin: Sendable {
        typealias Implementation = @Sendable (inout [Value?], CallContext) throws(JSONataError) -> Value?
        let name: String
        let signature: Signature?
        let implementation: Implementation

        init(_ name: String, _ signature: String?, _ implementation: @escaping Implementation) {
            self.name = name
            // Library signatures are constants; a malformed one is a programming error caught by the unit tests.
            self.signature = signature.flatMap { try? Signature($0, position: 0) }
            self.implementation = implementation
        }
    }
}
