extension JSONata.Library {
    static let dateTimeFunctions: [Builtin] = [
        Builtin("millis", "") { _, context throws(JSONataError) in
            .int(context.evaluator.nowMillis)
        },
        Builtin("now", "s?s?:s") { arguments, context throws(JSONataError) in
            try fromMillis(context.evaluator.nowMillis, arguments[0], arguments[1], context)
        },
        Builtin("fromMillis", "n-s?s?:s") { arguments, context throws(JSONataError) in
            guard let number = arguments[0]?.doubleValue else { return nil }
            return try fromMillis(Int(number.rounded(.down)), arguments[1], arguments[2], context)
        },
        Builtin("toMillis", "s-s?:n") { arguments, context throws(JSONataError) in
            guard case .string(let text)? = arguments[0] else { return nil }
            if case .string(let pictureText)? = arguments[1] {
                let picture = try JSONata.DateTimePicture(pictureText, position: context.position)
                return try picture.parse(text, now: context.evaluator.nowMillis, position: context.position).map {
                    .int($0)
                }
            }
            guard let millis = JSONata.DateTimePicture.parseISO(text) else {
                throw error("D3110", "The timestamp \(Evaluator.describe(.string(text))) cannot be parsed", context)
            }
            return .int(millis)
        },
    ]

    static func fromMillis(_ millis: Int, _ picture: Value?, _ timezone: Value?, _ context: CallContext)
        throws(JSONataError) -> Value
    {
        var offset = 0
        if case .string(let zone)? = timezone {
            guard let minutes = JSONata.DateTimePicture.offset(zone) else {
                throw error("D3110", "The timezone \(Evaluator.describe(.string(zone))) is not valid", context)
            }
            offset = minutes
        }
        let pictureText = picture?.stringValue ?? JSONata.DateTimePicture.iso
        let format = try JSONata.DateTimePicture(pictureText, position: context.position)
        return .string(format.format(millis: millis, offsetMinutes: offset))
    }
}
