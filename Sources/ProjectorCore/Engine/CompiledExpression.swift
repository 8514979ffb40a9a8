/// A definition expression as the engine evaluates it: through its ``ExpressionKernel`` when it has one, else (or
/// when the kernel declines an input) through the JSONata evaluator with `$event`, `$key` and `$doc` bound.
/// A class so that handing it around per event is one reference, not a copy of every field.
final class CompiledExpression: Sendable {
    /// The expression from the definition (source, location, evaluator form).
    let expression: ProjectionExpression
    let kernel: ExpressionKernel?
    /// The evaluator hands out the result of a plain path as it is; everything else goes through its output
    /// conversion (integral computed doubles become integers).
    private let convertsOutput: Bool

    init(_ expression: ProjectionExpression) {
        self.expression = expression
        kernel = ExpressionKernel.compile(expression.compiled)
        // Mirrors `JSONataExpression.walkSimplePath`: only paths from a named variable or a bare name are raw.
        let root = expression.compiled.root
        let first = root.expressions.first
        convertsOutput = !root.simplePath || (first?.kind == .variable && first?.value.isEmpty == true)
    }

    /// True when evaluation may need the `$event` object (no kernel, or a kernel reading the whole event).
    var needsEventObject: Bool { kernel == nil }

    /// Evaluates with `$event` (also the input), `$key` and `$doc` bound (`nil` ones are `null`).
    ///
    /// - Parameters:
    ///   - json: the event's `$event` object when already built; built here (and kept) if the evaluator runs.
    ///   - scratch: binding buffers for the evaluator.
    @inline(__always)
    func evaluate(
        event: Event, key: String?, doc: JSONObject?, json: inout JSONValue?, scratch: inout FoldScratch
    ) throws(JSONataError) -> JSONValue? {
        if let kernel {
            do {
                let value = try kernel.evaluate(event: event, key: key, doc: doc)
                guard convertsOutput, let value else { return value }
                return ExpressionKernel.output(value)
            } catch {
                // The evaluator decides (and reports errors with their positions).
            }
        }
        return try evaluateGenerically(event: event, key: key, doc: doc, json: &json, scratch: &scratch)
    }

    func evaluateGenerically(
        event: Event, key: String?, doc: JSONObject?, json: inout JSONValue?, scratch: inout FoldScratch
    ) throws(JSONataError) -> JSONValue? {
        let input = json ?? event.jsonValue
        json = input
        scratch.bind(event: input, key: key, doc: doc)
        defer { scratch.releaseDocument() }
        return try expression.compiled.evaluate(input, bindings: scratch.bindings)
    }
}
