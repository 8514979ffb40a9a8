extension FoldEngine {
    /// Folds one delivered event into its document (DESIGN.md §3):
    /// stream-keyed documents (key == aggregate id) apply each sequence once and in order, reporting a gap;
    /// other documents skip events at or below their cursor. `event` must be the batch event `routed` refers to.
    public func fold(
        _ routed: RoutedEvent, event: Event, into state: inout DocumentState, scratch: inout FoldScratch
    ) -> FoldStep {
        let streamKeyed = routed.key == event.stream
        let streamID = streamKeyed ? event.streamID : nil
        if let streamID {
            let last = state.metadata.streams[streamID] ?? 0
            if event.seq <= last {
                // Already applied (e.g. by a refold): skipped, but delivered, so the cursor moves.
                if routed.handler != nil { state.metadata.advanceCursor(to: event.cursor) }
                return .duplicate
            }
            if event.seq > last + 1 {
                // Tracking entries only advance an already known stream that is exactly one behind.
                if routed.handler == nil { return .duplicate }
                return .gap(StreamGap(stream: streamID, afterSeq: last, upToSeq: event.seq))
            }
        } else if let cursor = state.metadata.cursor, event.cursor <= cursor {
            return .duplicate
        }
        guard let handler = routed.handler else {
            // An unhandled event of a loaded stream-keyed document: only the sequence moves.
            guard let streamID, state.metadata.streams[streamID] != nil else { return .duplicate }
            state.metadata.streams[streamID] = event.seq
            return .skipped
        }
        let step = apply(handler, event: event, json: routed.json, key: routed.key, to: &state, scratch: &scratch)
        if case .failed = step { return step }
        if let streamID { state.metadata.streams[streamID] = event.seq }
        state.metadata.advanceCursor(to: event.cursor)
        state.isDirty = true
        return step
    }

    /// Runs a handler on a document: `when`, then the action. On failure the document is unchanged.
    /// Metadata is not touched here.
    func apply(
        _ handler: EventHandler, event: Event, json: JSONValue, key: String, to state: inout DocumentState,
        scratch: inout FoldScratch
    ) -> FoldStep {
        var doc: JSONObject? = state.body
        if doc == nil, handler.when != nil || !handler.isDelete {
            switch initialDocument(event: event, json: json, key: key, scratch: &scratch) {
            case .success(let initial): doc = initial
            case .failure(let error): return .failed(error)
            }
        }
        scratch.bind(event: json, key: key, doc: doc)
        defer { scratch.releaseDocument() }
        if let guardExpression = handler.when {
            do {
                guard try guardExpression.compiled.evaluate(json, bindings: scratch.bindings) == .bool(true) else {
                    return .skipped
                }
            } catch {
                return .failed(
                    failure(
                        .expressionFailed, event, key, "on.\(handler.eventType).when", guardExpression, error,
                        error.message))
            }
        }
        switch handler.action {
        case .delete:
            state.body = nil
            return .applied
        case .replace(let expression):
            let result: JSONValue?
            do {
                result = try expression.compiled.evaluate(json, bindings: scratch.bindings)
            } catch {
                return .failed(
                    failure(.expressionFailed, event, key, "on.\(handler.eventType)", expression, error, error.message))
            }
            switch result {
            case nil: return .applied
            case .null?:
                state.body = nil
                return .applied
            case .object(let object)? where object[Projection.metadataField] == nil:
                state.body = object
                return .applied
            case .object?:
                return .failed(
                    failure(
                        .invalidResult, event, key, "on.\(handler.eventType)", expression, nil,
                        "the document must not contain the reserved field \(Projection.metadataField)"))
            case let other?:
                return .failed(
                    failure(
                        .invalidResult, event, key, "on.\(handler.eventType)", expression, nil,
                        "the expression must give an object, null or nothing, got \(Self.typeName(other))"))
            }
        case .update(let assignments, let unset):
            scratch.values.removeAll(keepingCapacity: true)
            for assignment in assignments {
                do {
                    scratch.values.append(try assignment.expression.compiled.evaluate(json, bindings: scratch.bindings))
                } catch {
                    return .failed(
                        failure(
                            .expressionFailed, event, key, "on.\(handler.eventType).set.\(assignment.field)",
                            assignment.expression, error, error.message))
                }
            }
            // Drop the other references so the body is mutated in place.
            scratch.releaseDocument()
            state.body = nil
            var body = doc ?? JSONObject()
            doc = nil
            for (assignment, value) in zip(assignments, scratch.values) {
                body[assignment.field] = value
            }
            for field in unset { body[field] = nil }
            state.body = body
            return .applied
        }
    }

    /// The `initial` document for `key`.
    func initialDocument(
        event: Event, json: JSONValue, key: String, scratch: inout FoldScratch
    ) -> Result<JSONObject, ProjectionRuntimeError> {
        scratch.bind(event: json, key: key, doc: nil)
        let initial = projection.initial
        let value: JSONValue?
        do {
            value = try initial.compiled.evaluate(json, bindings: scratch.bindings)
        } catch {
            return .failure(failure(.expressionFailed, event, key, "initial", initial, error, error.message))
        }
        guard case .object(let object)? = value, object[Projection.metadataField] == nil else {
            let got = value.map(Self.typeName) ?? "undefined"
            return .failure(
                failure(.invalidInitial, event, key, "initial", initial, nil, "initial must give an object, got \(got)")
            )
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
            let id = event.streamID
            if (state.metadata.streams[id] ?? 0) < event.seq { state.metadata.streams[id] = event.seq }
        }
        state.metadata.advanceCursor(to: event.cursor)
        state.isDirty = true
    }
}
