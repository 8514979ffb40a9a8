extension JSONata.Library {
    static let miscellaneousFunctions: [Builtin] = [
        Builtin("error", "s?:x") { arguments, context throws(JSONataError) in
            let message = arguments.first??.stringValue ?? "$error() function evaluated"
            throw error("D3137", message, context)
        },
        Builtin("assert", "bs?:x") { arguments, context throws(JSONataError) in
            guard case .bool(let condition)? = arguments[0] else {
                throw error(
                    "T0410", "Argument 1 of function assert does not match function signature", context, token: "assert"
                )
            }
            if !condition {
                throw error("D3141", arguments[1]?.stringValue ?? "$assert() statement failed", context)
            }
            return nil
        },
        Builtin("clone", "(oa)-:o") { arguments, _ throws(JSONataError) in
            guard let value = arguments[0] else { return nil }
            return Value(value.json)
        },
        Builtin("eval", "sx?:x") { arguments, context throws(JSONataError) in
            guard case .string(let source)? = arguments[0] else { return nil }
            let ast: JSONata.Node
            do throws(JSONataError) {
                ast = try JSONata.Parser.parse(source)
            } catch {
                throw JSONataError(
                    code: "D3120", message: "Syntax error in expression passed to function eval: \(error.message)",
                    position: context.position)
            }
            let input = arguments.count > 1 && arguments[1] != nil ? arguments[1] : context.input
            do throws(JSONataError) {
                return try context.evaluator.evaluate(ast, input, context.environment)
            } catch {
                throw JSONataError(
                    code: "D3121",
                    message: "Dynamic error evaluating the expression passed to function eval: \(error.message)",
                    position: context.position)
            }
        },
    ]
}
