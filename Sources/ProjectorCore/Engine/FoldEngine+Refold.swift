extension FoldEngine {
    /// Closes a gap from the log: `log` holds the stream's events with sequences in ``StreamGap/missing`` (all
    /// types, any order; sequences may be missing). Applies, in sequence order, those the projection handles and
    /// routes to this document, advancing the stream's sequence through the rest. Refolded events do not move
    /// the document's cursor. Afterwards the sequence is at least `upToSeq - 1`, so the event that revealed the
    /// gap folds next (or is a duplicate when the log already held it).
    ///
    /// - Returns: the events that failed. Under `on_error: stop` folding stops at the first failure, leaving the
    ///   stream's sequence before it; under `dead_letter` a failed event counts as skipped.
    public func refold(
        _ state: inout DocumentState, gap: StreamGap, log: [Event], scratch: inout FoldScratch
    ) -> [(event: Event, error: ProjectionRuntimeError)] {
        var failures: [(event: Event, error: ProjectionRuntimeError)] = []
        let ordered = log.filter { $0.streamID == gap.stream && gap.missing.contains($0.seq) }.sorted {
            $0.seq < $1.seq
        }
        for event in ordered {
            let last = state.metadata.sequence(service: gap.stream.service, stream: gap.stream.stream) ?? 0
            guard event.seq > last else { continue }
            guard let handler = plan.handler(for: event) else {
                state.metadata.setSequence(event.seq, service: gap.stream.service, stream: gap.stream.stream)
                continue
            }
            var json: JSONValue?
            switch documentKey(for: event, json: &json, handler: handler, scratch: &scratch) {
            case .success(let key) where key == state.key:
                let step = apply(handler, event: event, json: &json, key: key, to: &state, scratch: &scratch)
                if case .failed(let error) = step {
                    failures.append((event, error))
                    if projection.onError == .stop { return failures }
                }
            case .success, .failure:
                // Routed elsewhere (a failing key is reported when the event itself is delivered).
                break
            }
            state.metadata.setSequence(event.seq, service: gap.stream.service, stream: gap.stream.stream)
            state.isDirty = true
        }
        let floor = gap.upToSeq - 1
        if (state.metadata.sequence(service: gap.stream.service, stream: gap.stream.stream) ?? 0) < floor {
            state.metadata.setSequence(floor, service: gap.stream.service, stream: gap.stream.stream)
            state.isDirty = true
        }
        return failures
    }
}
