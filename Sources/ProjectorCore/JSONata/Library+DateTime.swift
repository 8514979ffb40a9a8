extension JSONata.Library {
    static let dateTimeFunctions: [Builtin] = [
        Builtin("millis", "") { _, context throws(JSONataError) in
            .int(context.evaluator.nowMillis)
        },
    ]
}
