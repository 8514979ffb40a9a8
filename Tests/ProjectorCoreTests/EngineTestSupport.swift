import ProjectorCore

/// Builders shared by the projection and engine tests.
enum EngineTestSupport {
    /// Parses a definition or fails the test with its errors.
    static func projection(_ yaml: String, file: String = "test.yaml") throws -> Projection {
        try ProjectionLoader.parse(yaml, file: file)
    }

    /// The errors a definition produces (empty when it loads).
    static func errors(_ yaml: String, file: String = "test.yaml") -> [ProjectionDefinitionError] {
        do {
            _ = try ProjectionLoader.parse(yaml, file: file)
            return []
        } catch {
            return error.errors
        }
    }

    static func event(
        _ type: String, stream: String, seq: Int64, tx: UInt64, service: String = "bank",
        data: JSONValue = [:], createdAt: String = "2024-05-01T10:00:00Z"
    ) -> Event {
        Event(
            id: "e\(tx)", type: type, stream: stream, seq: seq, service: service,
            cursor: EventCursor(transactionID: tx, position: Int64(tx)), createdAt: createdAt, data: data)
    }

    /// Folds a batch against `store`, reading gaps from `log`.
    static func fold(
        _ projection: Projection, _ events: [Event], store: DocumentTable = DocumentTable(), log: [Event] = []
    ) async throws -> BatchFoldResult {
        try await BatchFold(projection: projection).run(
            events,
            fetch: { keys in store.fetch(keys) },
            readStream: { stream, range in log.filter { $0.streamID == stream && range.contains($0.seq) } }
        )
    }
}

/// Documents as a view store keeps them: body with `_projector`, a revision per write. Test data only; the
/// conditional-write semantics mirror `DocumentWrite`.
struct DocumentTable {
    var documents: [String: StoredDocument] = [:]
    var nextRevision: Int64 = 1

    func fetch(_ keys: [String]) -> [String: StoredDocument] {
        var found: [String: StoredDocument] = [:]
        for key in keys { found[key] = documents[key] }
        return found
    }

    /// Applies writes; returns false if any write's expectation does not hold.
    @discardableResult
    mutating func apply(_ writes: [DocumentWrite]) -> Bool {
        var allApplied = true
        for write in writes {
            switch write {
            case .upsert(let key, let body, let expected):
                guard documents[key]?.revision == expected else {
                    allApplied = false
                    continue
                }
                documents[key] = StoredDocument(key: key, body: body, revision: StoreRevision(nextRevision))
                nextRevision += 1
            case .delete(let key, let expected):
                guard documents[key]?.revision == expected else {
                    allApplied = false
                    continue
                }
                documents[key] = nil
            }
        }
        return allApplied
    }

    /// The body without `_projector`.
    func body(_ key: String) -> JSONValue? {
        guard case .object(var object)? = documents[key]?.body else { return nil }
        object["_projector"] = nil
        return .object(object)
    }

    func metadata(_ key: String) -> DocumentMetadata? {
        documents[key].map { DocumentMetadata(json: $0.body["_projector"]) }
    }
}
