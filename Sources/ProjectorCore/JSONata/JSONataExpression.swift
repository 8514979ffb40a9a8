/// A compiled JSONata expression (https://docs.jsonata.org, version 2.x semantics).
///
/// Compile once, evaluate many times; a compiled expression is immutable and safe to share across tasks.
///
/// ```swift
/// let amount = try JSONataExpression("$event.data.amount")
/// let value = try amount.evaluate(nil, bindings: ["event": event])
/// ```
public struct JSONataExpression: Sendable {
    /// The expression text.
    public let source: String
    let root: JSONata.Node

    /// Default limit on nested evaluation frames (U1001 guard).
    public static let defaultMaximumDepth = 2_000

    /// Compiles `source`; throws syntax errors (`S0xxx`) with their position.
    public init(_ source: String) throws(JSONataError) {
        self.source = source
        root = try JSONata.Parser.parse(source)
        JSONata.Optimizer.optimize(root)
    }

    /// Evaluate against `input` (`$`); nil input = undefined. Returns nil for undefined.
    /// Binding names are given without `$`.
    public func evaluate(_ input: JSONValue?, bindings: [String: JSONValue] = [:]) throws(JSONataError) -> JSONValue? {
        try evaluate(input, bindings: bindings, maximumDepth: Self.defaultMaximumDepth, timeLimit: nil)
    }

    /// Evaluate with explicit resource guards: at most `maximumDepth` nested evaluation frames and, when given,
    /// `timeLimit` of wall time; exceeding either raises `U1001`.
    public func evaluate(
        _ input: JSONValue?, bindings: [String: JSONValue], maximumDepth: Int, timeLimit: Duration?
    ) throws(JSONataError) -> JSONValue? {
        if root.simplePath, let result = Self.walkSimplePath(root.expressions, input, bindings) {
            return result.value
        }
        let evaluator = JSONata.Evaluator(maximumDepth: maximumDepth, timeLimit: timeLimit)
        let environment = JSONata.Environment(root: bindings)
        var lifted = input.map(JSONata.Value.init)
        if let array = lifted, array.isArray {
            // A top-level array is wrapped in a one-item sequence (JSONata's outer wrapper), so that a path
            // maps over its elements but `$` and `*` still see the array itself.
            lifted = .array(JSONata.ArrayValue([array], flags: [.sequence, .outerWrapper]))
        }
        environment.bind("$", lifted)
        let result = try evaluator.evaluate(root, lifted, environment)
        return result.flatMap(Self.output)
    }

    /// `$name.a.b` / `a.b` straight over the JSON, without building an evaluator: the common projection case.
    /// Returns nil when the general algorithm is needed (an array on the way, an unbound variable).
    @inline(__always)
    private static func walkSimplePath(_ steps: [JSONata.Node], _ input: JSONValue?, _ bindings: [String: JSONValue])
        -> (value: JSONValue?, Void)?
    {
        var current: JSONValue?
        var index = 0
        if steps[0].kind == .variable {
            guard !steps[0].value.isEmpty, let bound = bindings[steps[0].value] else { return nil }
            current = bound
            index = 1
        } else {
            current = input
        }
        while index < steps.count {
            switch current {
            case .object(let object)?:
                current = object[steps[index].value]
            case .array?:
                return nil
            default:
                return (nil, ())
            }
            index += 1
        }
        return (current, ())
    }

    private static func output(_ value: JSONata.Value) -> JSONValue? {
        switch value {
        case .array(let array) where array.isSequence && array.items.isEmpty: return nil
        case .function: return nil
        default: return value.json
        }
    }
}
