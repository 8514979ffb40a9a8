extension JSONata {
    /// A node of the expression tree.
    ///
    /// `@unchecked Sendable`: the stored properties are `var`s, but only `Parser` and `Processor` (the AST rewrite the
    /// parser runs) assign to them, both inside ``JSONataExpression/init(_:)``. Once it returns, nothing writes to a
    /// node again — the evaluator and the engine's kernels only read — so concurrent evaluations share immutable
    /// trees.
    final class Node: @unchecked Sendable {
        enum Kind {
            case literal  // string, number, true/false/null: `literal`
            case regex
            case name
            case variable
            case wildcard
            case descendant
            case parent
            case path
            case negate
            case binary  // `op`, lhs, rhs
            case and
            case or
            case array
            case object  // pairs
            case block
            case condition
            case bind
            case apply  // `~>`
            case call
            case partial
            case lambda
            case placeholder
            case transform
            case sort
            // Raw forms produced by the parser before processing.
            case rawDot, rawPredicate, rawGroup, rawSort, rawFocus, rawIndex
        }

        /// A step filter (`[expr]`) or positional binding (`#$i`) stage.
        enum Stage {
            case filter(Node)
            case index(String)
        }

        /// A slot that the parent operator `%` resolves through the tuple stream.
        final class Slot {
            var label: String
            var level: Int
            let index: Int
            init(label: String, level: Int, index: Int) {
                self.label = label
                self.level = level
                self.index = index
            }
        }

        var kind: Kind
        var position: Int
        /// Name, variable name, operator symbol.
        var value: String = ""
        var literal: JSONValue = .null
        var lhs: Node?
        var rhs: Node?
        /// Array items, block expressions, path steps, call arguments, lambda body (one).
        var expressions: [Node] = []
        /// Object constructor / group-by pairs.
        var pairs: [(Node, Node)] = []
        var condition: Node?
        var then: Node?
        var otherwise: Node?
        var procedure: Node?
        var params: [String] = []
        var signature: Signature?
        var body: Node?
        var thunk = false
        var terms: [(expression: Node, descending: Bool)] = []
        var regex: RegexLiteral?
        // Path step attributes.
        var predicates: [Stage] = []
        var stages: [Stage] = []
        var group: (pairs: [(Node, Node)], position: Int)?
        var focus: String?
        var indexVariable: String?
        var ancestor: Slot?
        var tuple = false
        var keepArray = false
        var keepSingletonArray = false
        var consArray = false
        var seekingParent: [Slot] = []
        var slot: Slot?
        /// A path of plain names (optionally after one variable) without stages: evaluated by a fast walk.
        var simplePath = false

        /// Stands in for a child the parser guarantees to exist; evaluates to undefined.
        static let absent = Node(.placeholder, position: 0)

        var left: Node { lhs ?? Self.absent }
        var right: Node { rhs ?? Self.absent }
        var callee: Node { procedure ?? Self.absent }
        var test: Node { condition ?? Self.absent }
        var consequent: Node { then ?? Self.absent }

        init(_ kind: Kind, position: Int, value: String = "") {
            self.kind = kind
            self.position = position
            self.value = value
        }
    }
}
