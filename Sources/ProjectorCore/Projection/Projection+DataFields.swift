extension Projection {
    /// The top-level fields of event `data` this projection reads, sorted; `nil` when it needs the whole payload.
    ///
    /// The reader then fetches only these fields (plus the event type's key) instead of the whole `data` column:
    /// less for PostgreSQL to turn into text, to send and to parse. `nil` when any expression (`key`, `initial`, a
    /// handler's `when`, `key`, `set` fields or expression form) may read more than named fields (see
    /// ``JSONataExpression/eventDataFields``), and under `on_error: dead_letter`, whose dead letters keep the whole
    /// event for `dlq list` and `dlq retry` with a later definition. Also `nil` beyond ``maximumEventDataFields``
    /// fields: one extraction per field then costs more than reading the payload once.
    public var eventDataFields: [String]? {
        guard onError == .stop else { return nil }
        var expressions = [key, initial]
        for handler in handlers.values {
            expressions += [handler.when, handler.key].compactMap { $0 }
            switch handler.action {
            case .replace(let expression): expressions.append(expression)
            case .update(let set, _): expressions += set.map(\.expression)
            case .delete: break
            }
        }
        var fields: Set<String> = []
        for expression in expressions {
            guard let read = expression.compiled.eventDataFields else { return nil }
            fields.formUnion(read)
        }
        return fields.count <= Self.maximumEventDataFields ? fields.sorted() : nil
    }

    /// The most data fields read one by one (``eventDataFields``).
    public static let maximumEventDataFields = 32
}
