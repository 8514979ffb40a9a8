extension JSONata {
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
}
