/// A projection expression of a common shape, compiled at load time into a small tree that the engine evaluates
/// straight over the event, the document and the key: no evaluator, no environment, no `$event` object.
///
/// Shapes: literals, `$event.…` / `$doc.…` / `$key` / input paths of plain names, arithmetic, comparisons,
/// `=`/`!=`, `&`, `and`/`or`, `?:`, `??`, conditions, negation, blocks and object constructors with literal keys.
/// Anything else (functions, filters, arrays on the way, errors) is left to the JSONata evaluator: ``compile(_:)``
/// returns `nil`, or evaluation throws ``Fallback`` and the caller evaluates the expression generically. A kernel
/// result is always exactly the evaluator's.
enum ExpressionKernel: Sendable {
    /// A member of the delivered event, as `$event` exposes it.
    enum EventField: Sendable {
        case id, type, stream, seq, service, position, createdAt, data
        /// A name `$event` does not have: undefined.
        case missing
    }

    /// `+ - * / %`.
    enum Arithmetic: Sendable {
        case add, subtract, multiply, divide, remainder
    }

    /// `< <= > >=`.
    enum Comparison: Sendable {
        case less, lessOrEqual, greater, greaterOrEqual
    }

    /// One `"name": value` member of an object constructor.
    struct Member: Sendable {
        let name: String
        let value: ExpressionKernel
    }

    /// Thrown when the kernel meets a case it does not handle; the caller evaluates the expression generically.
    struct Fallback: Error {}

    // Leaves are held inline (only operators are boxed), and the common one-name paths have cases without a
    // step list: evaluating them retains nothing but the value they return.
    case literal(JSONValue)
    /// `$event` (no field: the whole event), `$event.field.rest…`, and input paths `field.rest…` (the input is
    /// the event).
    case event(EventField?, [String])
    /// `$event.field.name` (e.g. `$event.data.amount`): ``event(_:_:)`` with exactly one step.
    case eventMember(EventField, String)
    /// `$doc`, `$doc.a.b`.
    case doc([String])
    /// `$doc.name`: ``doc(_:)`` with exactly one step.
    case docMember(String)
    /// `$key`, `$key.a` (undefined).
    case key([String])
    indirect case arithmetic(Arithmetic, ExpressionKernel, ExpressionKernel, position: Int)
    indirect case comparison(Comparison, ExpressionKernel, ExpressionKernel, position: Int)
    indirect case equal(ExpressionKernel, ExpressionKernel, negated: Bool)
    indirect case concatenate(ExpressionKernel, ExpressionKernel)
    indirect case and(ExpressionKernel, ExpressionKernel)
    indirect case or(ExpressionKernel, ExpressionKernel)
    /// `a ?: b`.
    indirect case elvis(ExpressionKernel, ExpressionKernel)
    /// `a ?? b`.
    indirect case coalesce(ExpressionKernel, ExpressionKernel)
    indirect case condition(ExpressionKernel, ExpressionKernel, ExpressionKernel?)
    indirect case negate(ExpressionKernel, position: Int)
    case block([ExpressionKernel])
    /// `keys` are the members' names in order (distinct): the key list of every result that defines them all.
    case object([Member], keys: [String])
}

extension ExpressionKernel {
    /// Deeper trees are left to the evaluator (which owns the U1001 depth guard).
    static let maximumDepth = 48

    /// The kernel of a compiled expression, or `nil` when its shape needs the evaluator.
    static func compile(_ expression: JSONataExpression) -> ExpressionKernel? {
        compile(expression.root, depth: 0)
    }

    private static func compile(_ node: JSONata.Node, depth: Int) -> ExpressionKernel? {
        guard depth < maximumDepth, isPlain(node) else { return nil }
        let next = depth + 1
        switch node.kind {
        case .literal:
            return .literal(node.literal)
        case .variable:
            return path(root: node.value, steps: [])
        case .path:
            return compilePath(node)
        case .binary:
            return compileBinary(node, depth: next)
        case .and, .or:
            guard let left = compile(node.left, depth: next), let right = compile(node.right, depth: next) else {
                return nil
            }
            return node.kind == .and ? .and(left, right) : .or(left, right)
        case .negate:
            return compile(node.left, depth: next).map { .negate($0, position: node.position) }
        case .condition:
            guard let test = compile(node.test, depth: next), let then = compile(node.consequent, depth: next)
            else { return nil }
            guard let otherwise = node.otherwise else { return .condition(test, then, nil) }
            return compile(otherwise, depth: next).map { .condition(test, then, $0) }
        case .block:
            guard !node.expressions.isEmpty else { return nil }
            var items: [ExpressionKernel] = []
            for expression in node.expressions {
                guard let item = compile(expression, depth: next) else { return nil }
                items.append(item)
            }
            return items.count == 1 ? items[0] : .block(items)
        case .object:
            var members: [Member] = []
            for (keyNode, valueNode) in node.pairs {
                // Literal keys only, all distinct (a repeated key is the evaluator's D1009).
                guard keyNode.kind == .literal, isPlain(keyNode), case .string(let name) = keyNode.literal,
                    !members.contains(where: { $0.name == name }),
                    let value = compile(valueNode, depth: next)
                else { return nil }
                members.append(Member(name: name, value: value))
            }
            return .object(members, keys: members.map(\.name))
        default:
            return nil
        }
    }

    /// No filters, grouping, focus/index bindings, parent references or array-keeping on the node.
    private static func isPlain(_ node: JSONata.Node) -> Bool {
        node.predicates.isEmpty && node.stages.isEmpty && node.group == nil && node.focus == nil
            && node.indexVariable == nil && node.ancestor == nil && !node.tuple && !node.keepArray
            && !node.keepSingletonArray && !node.consArray && node.seekingParent.isEmpty && node.slot == nil
    }

    private static func compilePath(_ node: JSONata.Node) -> ExpressionKernel? {
        guard node.simplePath, let first = node.expressions.first,
            node.expressions.allSatisfy(isPlain)
        else { return nil }
        let names = node.expressions.dropFirst().map(\.value)
        switch first.kind {
        case .variable: return path(root: first.value, steps: names)
        case .name: return path(root: "", steps: [first.value] + names)
        default: return nil
        }
    }

    /// `$root.steps…`; `""` is the input (`$` or a bare name), which the engine binds to the event.
    private static func path(root: String, steps: [String]) -> ExpressionKernel? {
        switch root {
        case "", "event":
            guard let first = steps.first else { return .event(nil, []) }
            if steps.count == 2 { return .eventMember(EventField(name: first), steps[1]) }
            return .event(EventField(name: first), Array(steps.dropFirst()))
        case "doc": return steps.count == 1 ? .docMember(steps[0]) : .doc(steps)
        case "key": return .key(steps)
        default: return nil
        }
    }

    private static func compileBinary(_ node: JSONata.Node, depth: Int) -> ExpressionKernel? {
        guard let left = compile(node.left, depth: depth), let right = compile(node.right, depth: depth) else {
            return nil
        }
        let position = node.position
        switch node.value {
        case "+": return .arithmetic(.add, left, right, position: position)
        case "-": return .arithmetic(.subtract, left, right, position: position)
        case "*": return .arithmetic(.multiply, left, right, position: position)
        case "/": return .arithmetic(.divide, left, right, position: position)
        case "%": return .arithmetic(.remainder, left, right, position: position)
        case "<": return .comparison(.less, left, right, position: position)
        case "<=": return .comparison(.lessOrEqual, left, right, position: position)
        case ">": return .comparison(.greater, left, right, position: position)
        case ">=": return .comparison(.greaterOrEqual, left, right, position: position)
        case "=": return .equal(left, right, negated: false)
        case "!=": return .equal(left, right, negated: true)
        case "&": return .concatenate(left, right)
        case "?:": return .elvis(left, right)
        case "??": return .coalesce(left, right)
        default: return nil
        }
    }
}

extension ExpressionKernel.EventField {
    init(name: String) {
        switch name {
        case "id": self = .id
        case "type": self = .type
        case "stream": self = .stream
        case "seq": self = .seq
        case "service": self = .service
        case "position": self = .position
        case "created_at": self = .createdAt
        case "data": self = .data
        default: self = .missing
        }
    }

    /// The member of `event.jsonValue` this field names, without building that object.
    @inline(__always)
    func value(of event: Event) -> JSONValue? {
        switch self {
        case .id: .string(event.id)
        case .type: .string(event.type)
        case .stream: .string(event.stream)
        case .seq: .int(Int(event.seq))
        case .service: .string(event.service)
        case .position: .int(Int(event.cursor.position))
        case .createdAt: event.createdAt.isEmpty ? nil : .string(event.createdAt)
        case .data: event.data
        case .missing: nil
        }
    }
}
