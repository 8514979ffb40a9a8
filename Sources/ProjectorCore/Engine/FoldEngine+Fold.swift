extension FoldEngine {
    /// Folds one delivered event into its document (DESIGN.md §3):
    /// stream-keyed documents (key == aggregate id) apply each sequence once and in order, reporting a gap;
    /// other documents skip events at or below their cursor. `event` must be the batch event `routed` refers to.
    public func fold(
        _ routed: RoutedEvent, event: Event, into state: inout DocumentState, scratch: inout FoldScratch
    ) -> FoldStep {
        let streamKeyed = routed.key == event.stream
        if streamKeyed {
            let last = state.metadata.sequence(service: event.service, stream: event.stream) ?? 0
            if event.seq <= last {
                // Already applied (e.g. by a refold): skipped, but delivered, so the cursor moves.
                if routed.plan != nil { state.metadata.advanceCursor(to: event.cursor) }
                return .duplicate
            }
            if event.seq > last + 1 {
                // Tracking entries only advance an already known stream that is exactly one behind.
                if routed.plan == nil { return .duplicate }
                return .gap(StreamGap(stream: event.streamID, afterSeq: last, upToSeq: event.seq))
            }
        } else if let cursor = state.metadata.cursor, event.cursor <= cursor {
            return .duplicate
        }
        guard let handler = routed.plan else {
            // An unhandled event of a loaded stream-keyed document: only the sequence moves.
            guard streamKeyed, state.metadata.sequence(service: event.service, stream: event.stream) != nil else {
                return .duplicate
            }
            state.metadata.setSequence(event.seq, service: event.service, stream: event.stream)
            return .skipped
        }
        var json = routed.json
        let step = apply(handler, event: event, json: &json, key: routed.key, to: &state, scratch: &scratch)
        if case .failed = step { return step }
        if streamKeyed { state.metadata.setSequence(event.seq, service: event.service, stream: event.stream) }
        state.metadata.advanceCursor(to: event.cursor)
        state.isDirty = true
        return step
    }

    /// Runs a handler on a document: `when`, then the action. On failure the document is unchanged.
    /// Metadata is not touched here. `json` is the `$event` object, built when the evaluator needs it.
    func apply(
        _ plan: FoldPlan.Handler, event: Event, json: inout JSONValue?, key: String, to state: inout DocumentState,
        scratch: inout FoldScratch
    ) -> FoldStep {
        var eventType: String { plan.handler.eventType }  // for error messages only: not read on success
        // The body moves out of the state so that it stays uniquely referenced and `set` mutates it in place;
        // every path below puts it (or its replacement) back.
        var doc = state.body.take()
        let hadBody = doc != nil
        if doc == nil, plan.when != nil || !plan.isDelete {
            switch initialDocument(event: event, json: &json, key: key, scratch: &scratch) {
            case .success(let initial): doc = initial
            case .failure(let error): return .failed(error)
            }
        }
        if let guardExpression = plan.when {
            do {
                let passed = try guardExpression.evaluate(
                    event: event, key: key, doc: doc, json: &json, scratch: &scratch)
                // JSONata's boolean cast, as a condition in an expression would read it (`1`, `"x"` pass).
                guard ExpressionKernel.truthy(passed) else {
                    if hadBody { state.body = doc }
                    return .skipped
                }
            } catch {
                if hadBody { state.body = doc }
                return .failed(
                    failure(
                        .expressionFailed, event, key, "on.\(eventType).when", guardExpression.expression, error,
                        error.message))
            }
        }
        switch plan.action {
        case .delete:
            return .applied
        case .replace(let compiled):
            let result: JSONValue?
            do {
                result = try compiled.evaluate(event: event, key: key, doc: doc, json: &json, scratch: &scratch)
            } catch {
                if hadBody { state.body = doc }
                return .failed(
                    failure(.expressionFailed, event, key, "on.\(eventType)", compiled.expression, error, error.message)
                )
            }
            switch result {
            case nil:
                if hadBody { state.body = doc }
                return .applied
            case .null?:
                return .applied
            case .object(let object)? where object[Projection.metadataField] == nil:
                state.body = object
                return .applied
            case .object?:
                if hadBody { state.body = doc }
                return .failed(
                    failure(
                        .invalidResult, event, key, "on.\(eventType)", compiled.expression, nil,
                        "the document must not contain the reserved field \(Projection.metadataField)"))
            case let other?:
                if hadBody { state.body = doc }
                return .failed(
                    failure(
                        .invalidResult, event, key, "on.\(eventType)", compiled.expression, nil,
                        "the expression must give an object, null or nothing, got \(Self.typeName(other))"))
            }
        case .update(let assignments, let unset):
            // One slot per assignment, kept between events; every slot is empty (`nil`) between calls, so nothing
            // is cleared or appended per event.
            if scratch.values.count < assignments.count {
                scratch.values.append(contentsOf: repeatElement(nil, count: assignments.count - scratch.values.count))
            }
            for offset in assignments.indices {
                do {
                    let value = try assignments[offset].expression.evaluate(
                        event: event, key: key, doc: doc, json: &json, scratch: &scratch)
                    scratch.values[offset] = value
                } catch {
                    for filled in 0..<offset { scratch.values[filled] = nil }
                    if hadBody { state.body = doc }
                    return .failed(
                        failure(
                            .expressionFailed, event, key, "on.\(eventType).set.\(assignments[offset].field)",
                            assignments[offset].expression.expression, error, error.message))
                }
            }
            var body = doc.take() ?? JSONObject()
            // Values moved out of the buffer into the body (an undefined one removes the field).
            for offset in assignments.indices {
                body.setValue(
                    scratch.values[offset].take(), forKey: assignments[offset].field,
                    roomForMore: assignments.count - offset - 1)
            }
            for field in unset { body[field] = nil }
            state.body = body
            return .applied
        }
    }

    /// The `initial` document for `key`.
    func initialDocument(
        event: Event, json: inout JSONValue?, key: String, scratch: inout FoldScratch
    ) -> Result<JSONObject, ProjectionRuntimeError> {
        let initial = plan.initial
        let value: JSONValue?
        do {
            value = try initial.evaluate(event: event, key: key, doc: nil, json: &json, scratch: &scratch)
        } catch {
            return .failure(failure(.expressionFailed, event, key, "initial", initial.expression, error, error.message))
        }
        guard case .object(let object)? = value, object[Projection.metadataField] == nil else {
            let got = value.map(Self.typeName) ?? "undefined"
            return .failure(
                failure(
                    .invalidInitial, event, key, "initial", initial.expression, nil,
                    "initial must give an object, got \(got)"))
        }
        return .success(object)
    }
}

extension EventHandler {
    var isDelete: Bool {
        if case .delete = action { return true }
        return false
    }
}

extension FoldEngine {
    /// Records a failed event as processed (dead-letter policy): the document's stream sequence and cursor move
    /// past it so a replay does not fail on it again; the body is unchanged.
    public func markProcessed(_ event: Event, key: String, in state: inout DocumentState) {
        if key == event.stream {
            if (state.metadata.sequence(service: event.service, stream: event.stream) ?? 0) < event.seq {
                state.metadata.setSequence(event.seq, service: event.service, stream: event.stream)
            }
        }
        state.metadata.advanceCursor(to: event.cursor)
        state.isDirty = true
    }
}
