extension ExpressionKernel {
    typealias Value = JSONata.Value
    typealias Evaluator = JSONata.Evaluator

    /// Evaluates with `$event` (also the input `$`), `$key` and `$doc` bound; `nil` key or document read as
    /// `null`, as the engine binds them. Returns undefined as `nil`. Computed numbers come back as the evaluator
    /// holds them internally (`.double` for non-integer arithmetic); ``output(_:)`` turns them into results.
    ///
    /// - Throws: ``Fallback`` whenever the evaluator must decide (an error, an array on a path, …).
    func evaluate(event: Event, key: String?, doc: JSONObject?) throws(Fallback) -> JSONValue? {
        switch self {
        case .literal(let value):
            return value
        case .event(let field, let steps):
            guard let field else { return event.jsonValue }
            return try Self.walk(field.value(of: event), steps)
        case .eventMember(let field, let name):
            guard case .data = field else { return try Self.walk(field.value(of: event), CollectionOfOne(name)) }
            // The payload read in place rather than through a copy of it.
            switch event.data {
            case .object(let object): return object[name]
            case .array: throw Fallback()
            default: return nil
            }
        case .docMember(let name):
            return doc?[name]
        case .doc(let steps):
            guard let doc else { return steps.isEmpty ? .null : nil }
            guard let first = steps.first else { return .object(doc) }
            return try Self.walk(doc[first], steps.dropFirst())
        case .key(let steps):
            guard steps.isEmpty else { return nil }
            return key.map(JSONValue.string) ?? .null
        case .arithmetic(let op, let left, let right, let position):
            return try Self.arithmetic(
                op, left.evaluate(event: event, key: key, doc: doc), right.evaluate(event: event, key: key, doc: doc),
                position: position)
        case .comparison(let op, let left, let right, let position):
            return try Self.compare(
                op, left.evaluate(event: event, key: key, doc: doc), right.evaluate(event: event, key: key, doc: doc),
                position: position)
        case .equal(let left, let right, let negated):
            let a = try left.evaluate(event: event, key: key, doc: doc)
            let b = try right.evaluate(event: event, key: key, doc: doc)
            guard let a, let b else { return .bool(false) }
            return .bool(Self.equal(a, b) != negated)
        case .concatenate(let left, let right):
            let a = try left.evaluate(event: event, key: key, doc: doc)
            let b = try right.evaluate(event: event, key: key, doc: doc)
            return .string(try Self.text(a) + Self.text(b))
        case .and(let left, let right):
            guard Self.truthy(try left.evaluate(event: event, key: key, doc: doc)) else { return .bool(false) }
            return .bool(Self.truthy(try right.evaluate(event: event, key: key, doc: doc)))
        case .or(let left, let right):
            if Self.truthy(try left.evaluate(event: event, key: key, doc: doc)) { return .bool(true) }
            return .bool(Self.truthy(try right.evaluate(event: event, key: key, doc: doc)))
        case .elvis(let left, let right):
            let value = try left.evaluate(event: event, key: key, doc: doc)
            if Self.truthy(value) { return value }
            return try right.evaluate(event: event, key: key, doc: doc)
        case .coalesce(let left, let right):
            if let value = try left.evaluate(event: event, key: key, doc: doc) { return value }
            return try right.evaluate(event: event, key: key, doc: doc)
        case .condition(let test, let then, let otherwise):
            if Self.truthy(try test.evaluate(event: event, key: key, doc: doc)) {
                return try then.evaluate(event: event, key: key, doc: doc)
            }
            return try otherwise?.evaluate(event: event, key: key, doc: doc)
        case .negate(let operand, _):
            return try Self.negate(operand.evaluate(event: event, key: key, doc: doc))
        case .block(let items):
            var result: JSONValue?
            for item in items { result = try item.evaluate(event: event, key: key, doc: doc) }
            return result
        case .object(let members, let keys):
            // Values by position; when every member is defined (the usual case) the object adopts the shared key
            // list: one allocation, no key search. Room for a few more members, which `set` often adds.
            var values: [JSONValue] = []
            values.reserveCapacity(members.count + 4)
            for offset in members.indices {
                guard let value = try members[offset].value.evaluate(event: event, key: key, doc: doc) else {
                    var object = JSONObject(minimumCapacity: members.count)
                    for defined in values.indices { object[keys[defined]] = values[defined] }
                    for member in members[(offset + 1)...] {
                        guard let value = try member.value.evaluate(event: event, key: key, doc: doc) else { continue }
                        object[member.name] = Self.output(value)
                    }
                    return .object(object)
                }
                values.append(Self.output(value))
            }
            return .object(JSONObject(distinctKeys: keys, values: values))
        }
    }

    /// A result as the evaluator hands it out: computed doubles that are integral become `.int`
    /// (what `JSONata.Value.json` does). Input data inside arrays and objects is left as it is.
    @inline(__always)
    static func output(_ value: JSONValue) -> JSONValue {
        if case .double(let number) = value { return .number(number) }
        return value
    }

    /// Follows member names through single objects, as the evaluator's simple-path walk does.
    @inline(__always)
    private static func walk(_ start: JSONValue?, _ steps: some Collection<String>) throws(Fallback) -> JSONValue? {
        var current = start
        for step in steps {
            switch current {
            case .object(let object)?: current = object[step]
            case .array?: throw Fallback()
            default: return nil
            }
        }
        return current
    }
}
