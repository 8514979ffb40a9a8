/// The pure fold engine of one projection (DESIGN.md §3, §5): routes events to documents and folds them,
/// with the per-document bookkeeping that makes replays idempotent.
///
/// Typical use is through ``BatchFold``; the steps are public for drivers that need them separately:
/// ``route(_:)`` a batch, load the documents for ``RoutedBatch/keys`` into ``DocumentState``s,
/// ``fold(_:event:into:scratch:)`` each routed event, ``refold(_:gap:log:scratch:)`` on a gap, then
/// ``DocumentState/makeWrite(projectionVersion:)``.
public struct FoldEngine: Sendable {
    /// The projection folded.
    public let projection: Projection

    /// An engine for `projection`. Cheap; does no work.
    public init(projection: Projection) {
        self.projection = projection
    }

    /// Routes a batch: computes each handled event's document key (evaluating `$event` once per event).
    public func route(_ events: [Event]) -> RoutedBatch {
        var batch = RoutedBatch()
        batch.events.reserveCapacity(events.count)
        var seen: Set<String> = []
        var scratch = FoldScratch()
        for (index, event) in events.enumerated() {
            guard let handler = projection.handler(for: event) else {
                batch.events.append(RoutedEvent(index: index, key: event.stream, handler: nil, json: .null))
                continue
            }
            let json = event.jsonValue
            switch documentKey(for: event, json: json, handler: handler, scratch: &scratch) {
            case .success(let key):
                if seen.insert(key).inserted { batch.keys.append(key) }
                batch.events.append(RoutedEvent(index: index, key: key, handler: handler, json: json))
            case .failure(let error):
                batch.failures.append(FoldFailure(index: index, event: event, error: error))
            }
        }
        return batch
    }

    /// The key of the document `event` goes to: the handler's `key`, else the projection's.
    func documentKey(
        for event: Event, json: JSONValue, handler: EventHandler, scratch: inout FoldScratch
    ) -> Result<String, ProjectionRuntimeError> {
        let expression = handler.key ?? projection.key
        let field = handler.key == nil ? "key" : "on.\(handler.eventType).key"
        if expression.shortcut == .eventStream { return .success(event.stream) }
        scratch.bind(event: json, key: nil, doc: nil)
        let value: JSONValue?
        do {
            value = try expression.compiled.evaluate(json, bindings: scratch.bindings)
        } catch {
            return .failure(failure(.expressionFailed, event, nil, field, expression, error, error.message))
        }
        switch value {
        case .string(let key) where !key.isEmpty: return .success(key)
        case .int(let number): return .success(String(number))
        case .double(let number) where number.isFinite: return .success(JSONNumberFormatter.format(number))
        default:
            let got = value.map(Self.typeName) ?? "undefined"
            return .failure(
                failure(.invalidKey, event, nil, field, expression, nil, "key must be a non-empty string or a number, got \(got)"))
        }
    }

    func failure(
        _ code: ProjectionRuntimeError.Code, _ event: Event, _ key: String?, _ field: String,
        _ expression: ProjectionExpression?, _ jsonata: JSONataError?, _ message: String
    ) -> ProjectionRuntimeError {
        ProjectionRuntimeError(
            code: code, projection: projection.name, event: event, documentKey: key, field: field,
            location: expression?.location, jsonata: jsonata, message: message)
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string(let text): text.isEmpty ? "an empty string" : "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Reusable evaluation buffers (the `$event`/`$key`/`$doc` bindings). Keep one per task and pass it to every
/// fold call so no dictionary is rebuilt per event.
public struct FoldScratch: Sendable {
    var bindings: [String: JSONValue]

    /// Empty buffers.
    public init() {
        bindings = Dictionary(minimumCapacity: 4)
    }

    @inline(__always)
    mutating func bind(event: JSONValue, key: String?, doc: JSONObject?) {
        bindings["event"] = event
        bindings["key"] = key.map(JSONValue.string)
        bindings["doc"] = doc.map(JSONValue.object)
    }
}
