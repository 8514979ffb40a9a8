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
    /// The projection's expressions compiled for folding.
    let plan: FoldPlan

    /// An engine for `projection`. Compiles the common expression shapes to kernels; does no other work.
    public init(projection: Projection) {
        self.projection = projection
        plan = FoldPlan(projection: projection)
    }

    /// Routes a batch: computes each handled event's document key.
    public func route(_ events: [Event]) -> RoutedBatch {
        var batch = RoutedBatch()
        batch.events.reserveCapacity(events.count)
        // Sized for a batch whose events all go to different documents (up to a bound): no rehashing as it fills.
        var slots: [String: Int] = Dictionary(minimumCapacity: min(events.count, 4_096))
        var untracked: [Int] = []
        var lastKey = ""
        var lastSlot = -1
        var scratch = FoldScratch()
        // Events are read in place: an array subscript or iterator would copy each one, retaining its members.
        events.withUnsafeBufferPointer { events in
            for index in events.indices {
                guard let handler = plan.handler(service: events[index].service, type: events[index].type) else {
                    untracked.append(batch.events.count)
                    batch.events.append(
                        RoutedEvent(index: index, key: events[index].stream, slot: -1, plan: nil, json: nil))
                    continue
                }
                var json: JSONValue?
                let routedKey =
                    handler.keyIsStream
                    ? .success(events[index].stream)
                    : documentKey(for: events[index], json: &json, handler: handler, scratch: &scratch)
                switch routedKey {
                case .success(let key):
                    let slot: Int
                    if lastSlot >= 0, key == lastKey {
                        // Events of one document often come in runs: no hashing for the rest of the run.
                        slot = lastSlot
                    } else {
                        // One hash for a new key (the usual case: it takes the next slot); a known key is put back.
                        // (`slots[key, default: next]` through an inout access allocates a closure context and a
                        // box per call.)
                        let next = batch.keys.count
                        if let known = slots.updateValue(next, forKey: key) {
                            slots[key] = known
                            slot = known
                        } else {
                            slot = next
                            batch.keys.append(key)
                        }
                    }
                    batch.events.append(RoutedEvent(index: index, key: key, slot: slot, plan: handler, json: json))
                    lastKey = key
                    lastSlot = slot
                case .failure(let error):
                    batch.failures.append(FoldFailure(index: index, event: events[index], error: error))
                }
            }
        }
        // Unhandled events only matter to documents that handled events load.
        for position in untracked {
            batch.events[position].slot = slots[batch.events[position].key] ?? -1
        }
        return batch
    }

    /// The key of the document `event` goes to: the handler's `key`, else the projection's.
    /// `json` is the `$event` object, built here when the evaluator needs it.
    func documentKey(
        for event: Event, json: inout JSONValue?, handler: FoldPlan.Handler, scratch: inout FoldScratch
    ) -> Result<String, ProjectionRuntimeError> {
        if handler.keyIsStream { return .success(event.stream) }
        let compiled = handler.key
        var field: String { handler.handler.key == nil ? "key" : "on.\(handler.handler.eventType).key" }
        let value: JSONValue?
        do {
            value = try compiled.evaluate(event: event, key: nil, doc: nil, json: &json, scratch: &scratch)
        } catch {
            return .failure(failure(.expressionFailed, event, nil, field, compiled.expression, error, error.message))
        }
        switch value {
        case .string(let key) where !key.isEmpty: return .success(key)
        case .int(let number): return .success(String(number))
        case .double(let number) where number.isFinite: return .success(JSONNumberFormatter.format(number))
        default:
            let got = value.map(Self.typeName) ?? "undefined"
            return .failure(
                failure(
                    .invalidKey, event, nil, field, compiled.expression, nil,
                    "key must be a non-empty string or a number, got \(got)"))
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
/// fold call so no dictionary is rebuilt or rehashed per event.
public struct FoldScratch: Sendable {
    private(set) var bindings: [String: JSONValue]
    private let eventSlot: Dictionary<String, JSONValue>.Index
    private let keySlot: Dictionary<String, JSONValue>.Index
    private let docSlot: Dictionary<String, JSONValue>.Index
    /// Results of `set` fields, one slot per field, reused between events (all `nil` between them).
    var values: [JSONValue?] = []

    /// Empty buffers.
    public init() {
        // The three names stay in the dictionary for good (unbound ones hold null), so rebinding is an in-place
        // write through a stable index instead of a hash insert or removal.
        let names: [String: JSONValue] = ["event": .null, "key": .null, "doc": .null]
        bindings = names
        eventSlot = names.index(forKey: "event") ?? names.startIndex
        keySlot = names.index(forKey: "key") ?? names.startIndex
        docSlot = names.index(forKey: "doc") ?? names.startIndex
    }

    @inline(__always)
    mutating func bind(event: JSONValue, key: String?, doc: JSONObject?) {
        bindings.values[eventSlot] = event
        bindings.values[keySlot] = key.map(JSONValue.string) ?? .null
        bindings.values[docSlot] = doc.map(JSONValue.object) ?? .null
    }

    /// Drops the reference to the document so its owner can mutate it in place.
    @inline(__always)
    mutating func releaseDocument() {
        bindings.values[docSlot] = .null
    }
}
