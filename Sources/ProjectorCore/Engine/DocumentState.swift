/// One document while a batch is folded: its body (without `_projector`), metadata and stored revision.
public struct DocumentState: Sendable {
    /// The document key.
    public let key: String
    /// The body as definitions see it (`$doc`), `nil` when the document is absent (never created or deleted).
    public internal(set) var body: JSONObject?
    /// Idempotency metadata, kept even while the document is absent.
    public internal(set) var metadata: DocumentMetadata
    /// The stored revision, `nil` when the store does not hold the document.
    public internal(set) var revision: StoreRevision?
    /// True when an event was processed since the state was loaded (a write is due unless nothing is stored
    /// and nothing is to be stored).
    public internal(set) var isDirty: Bool
    /// The stored form the last write sent (the body with `_projector` last), kept so that the next write refills
    /// its member lists in place once the store has let go of them, instead of allocating new ones per write.
    var lastStored: JSONObject?

    /// A state from what the store returned (`nil`: the key is not stored). A body nobody else holds is
    /// decoded in place.
    public init(key: String, stored: consuming StoredDocument?) {
        self.init(key: key, stored: stored) { object in object.removeLastMember() }
    }

    /// A state from what the store returned, sharing key lists with the other documents of the batch.
    init(key: String, stored: consuming StoredDocument?, keyLists: inout StoredKeyLists) {
        self.init(key: key, stored: stored) { object in
            object.removeLastMember(remainingKeys: keyLists.droppingMetadataField(from: object.keyList))
        }
    }

    /// A state from what the store returned; `removingLast` takes a last member `_projector` off a body.
    private init(
        key: String, stored: consuming StoredDocument?, removingLast: (inout JSONObject) -> JSONValue
    ) {
        self.key = key
        revision = stored?.revision
        isDirty = false
        guard case .object(var object)? = stored.take()?.body else {
            body = nil
            metadata = DocumentMetadata()
            return
        }
        let stamp: JSONValue
        if object.keyList.last == Projection.metadataField {
            // Where projector writes it: dropped without searching.
            stamp = removingLast(&object)
        } else if let found = object.removeValue(forKey: Projection.metadataField) {
            stamp = found
        } else {
            // Not written by projector: nothing is known to be applied, so the events rebuild it from scratch.
            body = nil
            metadata = DocumentMetadata()
            return
        }
        metadata = DocumentMetadata(json: stamp)
        body = object
    }

    /// The body with its `_projector` field, as written to the store; `nil` when absent.
    public var storedBody: JSONValue? {
        var keyLists = StoredKeyLists()
        var state = self
        return state.storedBody(keyLists: &keyLists)
    }

    /// ``storedBody``, sharing key lists with the other documents of the batch. (Mutating only to read the body
    /// in place: it is moved out and back instead of copied.)
    mutating func storedBody(keyLists: inout StoredKeyLists) -> JSONValue? {
        guard let object = body.take() else { return nil }
        defer { body = object }
        guard let keys = keyLists.appendingMetadataField(to: object.keyList) else {
            var replaced = object
            replaced[Projection.metadataField] = metadata.jsonValue
            return .object(replaced)
        }
        if var stored = lastStored.take(), stored.refill(members: object, keysWithNewKey: keys, last: metadata) {
            lastStored = stored
            return .object(stored)
        }
        let stored = object.appending(newKey: Projection.metadataField, value: metadata.jsonValue, keysWithNewKey: keys)
        lastStored = stored
        return .object(stored)
    }

    /// The write that brings the store to this state, or `nil` when none is needed. Counts the write in the
    /// metadata (`v`) and stamps the projection version (`pv`).
    public mutating func makeWrite(projectionVersion: Int) -> DocumentWrite? {
        var keyLists = StoredKeyLists()
        return makeWrite(projectionVersion: projectionVersion, keyLists: &keyLists)
    }

    /// ``makeWrite(projectionVersion:)``, sharing key lists with the other documents of the batch.
    mutating func makeWrite(projectionVersion: Int, keyLists: inout StoredKeyLists) -> DocumentWrite? {
        guard isDirty else { return nil }
        guard body != nil else {
            return revision.map { DocumentWrite.delete(key: key, expected: $0) }
        }
        metadata.version += 1
        metadata.projectionVersion = projectionVersion
        guard let stored = storedBody(keyLists: &keyLists) else { return nil }
        return .upsert(key: key, body: stored, expected: revision)
    }

    /// The state once its write is confirmed, for a cache of decoded documents: `revision` is what the store
    /// reported (`nil` after a delete). Metadata is kept, also for deleted documents, so replays stay cheap.
    /// Without `keepingWrittenForm` it lets go of the member lists kept from its last write (see
    /// ``makeWrite(projectionVersion:)``): for a state likely to leave memory before its next write, so they are
    /// freed now rather than held until then.
    public consuming func committed(revision: StoreRevision?, keepingWrittenForm: Bool = true) -> DocumentState {
        var state = self
        state.commit(revision: revision, keepingWrittenForm: keepingWrittenForm)
        return state
    }

    /// Makes this state ``committed(revision:keepingWrittenForm:)`` in place.
    public mutating func commit(revision: StoreRevision?, keepingWrittenForm: Bool = true) {
        self.revision = revision
        isDirty = false
        if !keepingWrittenForm { lastStored = nil }
    }
}
