public import Logging
public import ProjectorCore
public import ProjectorPostgres

/// `projector dlq retry`: re-runs dead-lettered events through the current definition against the live view store,
/// with the same conditional writes as the service, and removes each one that now succeeds.
///
/// A dead-lettered event was recorded as processed in its document's metadata (so replays skip it); a retry applies
/// it to the document as it is now, out of its original order, and keeps the document's recorded progress.
public struct DeadLetterRetry: Sendable {
    /// The outcome of one retried dead letter.
    public struct Outcome: Sendable, Hashable {
        /// The dead letter's id.
        public var id: Int64
        /// `nil` when it succeeded (and was removed); otherwise why it failed again (kept).
        public var error: String?
    }

    /// The projection (its current definition).
    public let projection: Projection
    /// The live view store.
    public let store: any ViewStore
    /// The dead letters.
    public let deadLetters: DeadLetterStore
    /// Attempts per document when its write meets a concurrent change.
    public var maximumConflictRounds = 5
    let logger: Logger

    /// A retrier of `projection`'s dead letters into `store`.
    public init(projection: Projection, store: any ViewStore, deadLetters: DeadLetterStore, logger: Logger) {
        self.projection = projection
        self.store = store
        self.deadLetters = deadLetters
        self.logger = logger
    }

    /// Retries the dead letters with the given ids (`nil`: all of the projection's), oldest first.
    public func retry(ids: [Int64]?) async throws -> [Outcome] {
        var letters = try await deadLetters.list(projection: projection.name, limit: Int.max / 2)
        if let ids {
            let wanted = Set(ids)
            letters.removeAll { !wanted.contains($0.id) }
            let found = Set(letters.map(\.id))
            if let absent = ids.first(where: { !found.contains($0) }) {
                throw RuntimeError(.notFound, "no dead letter with id \(absent)", projection: projection.name)
            }
        }
        var outcomes: [Outcome] = []
        for letter in letters {
            let error = try await retry(letter.event)
            if error == nil { try await deadLetters.remove(projection: projection.name, ids: [letter.id]) }
            outcomes.append(Outcome(id: letter.id, error: error))
            logger.info(
                error == nil ? "dead letter retried" : "dead letter failed again",
                metadata: [LogKey.projection: "\(projection.name)", "projector.dead_letter": "\(letter.id)"])
        }
        return outcomes
    }

    /// Applies one event to its document; returns the error when it fails again.
    func retry(_ event: Event) async throws -> String? {
        let engine = FoldEngine(projection: projection)
        let routed = engine.route([event])
        if let failure = routed.failures.first { return "\(failure.error)" }
        guard let entry = routed.events.first, entry.handler != nil else {
            return "the current definition does not handle events of type \(event.type) from \(event.service)"
        }
        let key = entry.key
        for _ in 0..<maximumConflictRounds {
            let stored = try await store.fetch([key])[key]
            let original = DocumentMetadata(json: stored?.body[Projection.metadataField])
            var state = DocumentState(key: key, stored: stored.map { Self.reopening($0, for: event, key: key) })
            var scratch = FoldScratch()
            var step = engine.fold(entry, event: event, into: &state, scratch: &scratch)
            if case .gap(let gap) = step {
                // No stored document carries the stream's progress: apply the event on its own.
                _ = engine.refold(&state, gap: gap, log: [], scratch: &scratch)
                step = engine.fold(entry, event: event, into: &state, scratch: &scratch)
            }
            if case .failed(let error) = step { return "\(error)" }
            guard let write = state.makeWrite(projectionVersion: projection.version) else { return nil }
            let outcome = try await store.apply([Self.keepingProgress(write, original: original)]).first
            switch outcome {
            case .applied?: return nil
            case .rejected(let reason)?: return "document '\(key)' rejected by the view store: \(reason)"
            case .conflict?, nil: continue
            }
        }
        return "document '\(key)' kept changing under concurrent writes"
    }

    /// The stored document with its metadata moved back just before `event`, so the engine applies it.
    static func reopening(_ document: StoredDocument, for event: Event, key: String) -> StoredDocument {
        guard case .object(var body) = document.body, let stamp = body[Projection.metadataField] else {
            return document
        }
        var metadata = DocumentMetadata(json: stamp)
        if key == event.stream {
            metadata.streams[event.streamID] = event.seq - 1
        } else {
            metadata.cursor = nil
        }
        body[Projection.metadataField] = metadata.jsonValue
        return StoredDocument(key: document.key, body: .object(body), revision: document.revision)
    }

    /// The write with the document's recorded progress restored (never moved back by the retry).
    static func keepingProgress(_ write: DocumentWrite, original: DocumentMetadata) -> DocumentWrite {
        guard case .upsert(let key, .object(var body), let expected) = write else { return write }
        var metadata = DocumentMetadata(json: body[Projection.metadataField])
        for (stream, seq) in original.streams where (metadata.streams[stream] ?? 0) < seq {
            metadata.streams[stream] = seq
        }
        if let cursor = original.cursor, metadata.cursor.map({ $0 < cursor }) ?? true { metadata.cursor = cursor }
        body[Projection.metadataField] = metadata.jsonValue
        return .upsert(key: key, body: .object(body), expected: expected)
    }
}
