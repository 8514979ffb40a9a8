/// What a view store reports about the stored state of one document, used as the
/// expected state of the next conditional write (compare-and-set).
///
/// For OpenSearch this is `(_seq_no, _primary_term)`; for DynamoDB the document's
/// write counter from its metadata (`second` unused). Opaque to everything but the store.
public struct StoreRevision: Sendable, Hashable {
    /// The primary part: OpenSearch `_seq_no`, or the DynamoDB write counter.
    public var first: Int64
    /// The secondary part: OpenSearch `_primary_term`; 0 for DynamoDB.
    public var second: Int64

    /// Creates a revision from its two parts; `second` defaults to 0.
    public init(_ first: Int64, _ second: Int64 = 0) {
        self.first = first
        self.second = second
    }
}

/// A document as read from a view store, metadata field included.
public struct StoredDocument: Sendable, Hashable {
    /// The document's key (OpenSearch `_id`, DynamoDB partition key).
    public var key: String
    /// The whole stored body, including the reserved `_projector` field.
    public var body: JSONValue
    /// The revision to pass as `expected` in the next conditional write of this document.
    public var revision: StoreRevision

    /// Creates a stored document from its key, whole body and revision.
    public init(key: String, body: JSONValue, revision: StoreRevision) {
        self.key = key
        self.body = body
        self.revision = revision
    }
}

/// One conditional write.
public enum DocumentWrite: Sendable, Hashable {
    /// Store `body` under `key`. `expected == nil`: only if the key does not exist;
    /// otherwise only if the stored revision is still `expected`.
    case upsert(key: String, body: JSONValue, expected: StoreRevision?)
    /// Remove `key`, only if the stored revision is still `expected`.
    case delete(key: String, expected: StoreRevision)

    /// The key this write targets.
    public var key: String {
        switch self {
        case .upsert(let key, _, _), .delete(let key, _): key
        }
    }
}

/// The result of one write.
public enum WriteOutcome: Sendable, Hashable {
    /// Written; the new revision (`nil` after a delete).
    case applied(StoreRevision?)
    /// The stored document is not in the expected state (someone else wrote it, or it
    /// was already applied): re-read it and re-run the engine on it.
    case conflict
    /// The store refused this document for good (mapping error, item too large…).
    /// `reason` names what is wrong, never the document's content.
    case rejected(reason: String)
}

/// A store of projected documents (OpenSearch index, DynamoDB table) behind one name.
///
/// Implementations retry transient failures (throttling, 5xx, timeouts) themselves
/// with backoff and report per-document outcomes; they throw only when the store
/// stays unreachable past their retry budget or the task is cancelled.
public protocol ViewStore: Sendable {
    /// The current documents for `keys`; missing keys are absent from the result.
    func fetch(_ keys: [String]) async throws -> [String: StoredDocument]
    /// Applies the writes, one outcome per write, in the same order.
    func apply(_ writes: [DocumentWrite]) async throws -> [WriteOutcome]
}
