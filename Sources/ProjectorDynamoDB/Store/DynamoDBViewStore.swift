public import ProjectorCore

/// The documents of one projection in one DynamoDB table, behind the ``ViewStore`` contract.
///
/// - Each document is one item; the item's string hash key attribute (``Configuration/keyAttribute``, default
///   `id`) holds the document key. The reserved `_projector` attribute (a map) carries the write counter `v` that
///   is the document's revision (`StoreRevision(v)`).
/// - `apply` sends one conditional `PutItem`/`DeleteItem` per write (`BatchWriteItem` cannot be conditional),
///   up to ``Configuration/maximumConcurrentWrites`` at a time; writes to the same key keep their order.
///   A failed condition is `.conflict`; an item over 400 KB, or that DynamoDB refuses as invalid, is `.rejected`
///   without affecting the rest of the batch.
/// - `fetch` uses consistent `BatchGetItem` reads, 100 keys per call, resubmitting `UnprocessedKeys`.
public struct DynamoDBViewStore: ViewStore {
    /// Which table and how hard to push it.
    public struct Configuration: Sendable {
        /// The table name.
        public var table: String
        /// The name of the table's string hash key attribute. Default `id`.
        public var keyAttribute: String
        /// Single-item writes in flight at once. Default 32.
        public var maximumConcurrentWrites: Int
        /// `BatchGetItem` calls in flight at once during a fetch. Default 8.
        public var maximumConcurrentReads: Int

        /// Creates a configuration; see the properties for the defaults.
        public init(
            table: String, keyAttribute: String = "id", maximumConcurrentWrites: Int = 32,
            maximumConcurrentReads: Int = 8
        ) {
            self.table = table
            self.keyAttribute = keyAttribute
            self.maximumConcurrentWrites = max(1, maximumConcurrentWrites)
            self.maximumConcurrentReads = max(1, maximumConcurrentReads)
        }
    }

    /// The reserved document attribute holding projector's metadata.
    public static let metadataAttribute = "_projector"
    /// The member of the metadata attribute holding the write counter.
    public static let counterAttribute = "v"
    /// Keys per `BatchGetItem` call (DynamoDB's maximum).
    static let batchGetLimit = 100
    /// The longest partition key DynamoDB accepts, in UTF-8 bytes.
    public static let maximumKeyBytes = 2048

    /// Why DynamoDB cannot hold a document under `key` (empty or too long), or `nil` when it can.
    static func keyProblem(_ key: String) -> String? {
        if key.isEmpty {
            return "document key is empty; DynamoDB keys must be non-empty strings"
        }
        let bytes = key.utf8.count
        if bytes > Self.maximumKeyBytes {
            return "document key '\(key.prefix(40))…' is \(bytes) bytes, "
                + "over DynamoDB's \(Self.maximumKeyBytes)-byte key limit"
        }
        return nil
    }

    /// The table and limits.
    public let configuration: Configuration
    /// The client the store sends its requests with.
    public let client: DynamoDBClient

    /// Creates a store on `client`. Starts no work.
    public init(configuration: Configuration, client: DynamoDBClient) {
        self.configuration = configuration
        self.client = client
    }

    var table: String { self.configuration.table }

    /// The item key of a document key: `{"<keyAttribute>": {"S": key}}`.
    func itemKey(_ key: String) -> JSONValue {
        .object([self.configuration.keyAttribute: ["S": .string(key)]])
    }

    /// The revision stored in a document body: its `_projector.v`, or `nil` when it has none.
    public static func revision(of body: JSONValue) -> StoreRevision? {
        switch body[Self.metadataAttribute]?[Self.counterAttribute] {
        case .int(let counter): StoreRevision(Int64(counter))
        case .double(let counter) where counter.rounded() == counter && abs(counter) < 9e18:
            StoreRevision(Int64(counter))
        default: nil
        }
    }

    /// A stored document from an item, its key attribute checked.
    func storedDocument(from item: JSONObject, operation: String) throws(DynamoDBError) -> StoredDocument {
        let document: JSONObject
        do {
            document = try DynamoDBItemCoder.document(from: item)
        } catch {
            throw DynamoDBError(
                code: .invalidResponse, message: "malformed item: \(error)", operation: operation, table: self.table)
        }
        guard let key = document[self.configuration.keyAttribute]?.stringValue else {
            throw DynamoDBError(
                code: .invalidResponse,
                message: "item without the string key attribute '\(self.configuration.keyAttribute)'",
                operation: operation, table: self.table)
        }
        let body = JSONValue.object(document)
        // A document written by something else has no counter: revision 0, which the conditional
        // write treats as "exists without a counter".
        return StoredDocument(key: key, body: body, revision: Self.revision(of: body) ?? StoreRevision(0))
    }
}
