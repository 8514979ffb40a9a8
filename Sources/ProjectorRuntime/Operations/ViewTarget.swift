public import ProjectorCore
import ProjectorDynamoDB
import ProjectorOpenSearch
public import ProjectorPostgres

/// Where a projection's readers find its documents now: the OpenSearch alias, or the DynamoDB table recorded in
/// the checkpoint row (`metadata.table`, set by a new-table rebuild) or else the definition's table.
public struct ViewTarget: Sendable {
    /// The projection.
    public let projection: Projection
    /// The connections.
    public let stores: ViewStores
    /// The index/alias or table name to read and write.
    public let name: String

    /// The live target of `projection`, reading the checkpoint row for a rebuilt DynamoDB table.
    public static func live(_ projection: Projection, stores: ViewStores, checkpoints: CheckpointStore) async throws
        -> ViewTarget
    {
        switch projection.target {
        case .openSearch(let target):
            return ViewTarget(projection: projection, stores: stores, name: target.index)
        case .dynamoDB(let target):
            let row = try await checkpoints.read(projection.name)
            let table = row?.metadata[ViewTarget.tableMetadataKey]?.stringValue ?? target.table
            return ViewTarget(projection: projection, stores: stores, name: table)
        }
    }

    /// The checkpoint metadata key naming the DynamoDB table a rebuild switched the projection to.
    public static let tableMetadataKey = "table"

    /// A target on an explicit physical name.
    public init(projection: Projection, stores: ViewStores, name: String) {
        self.projection = projection
        self.stores = stores
        self.name = name
    }

    /// The view store on this target (not created when missing).
    public func store() async throws -> any ViewStore {
        try await stores.store(for: projection, physicalName: name, prepare: false)
    }

    /// True when the index/alias or table exists.
    func exists() async throws -> Bool {
        switch projection.target {
        case .openSearch:
            return try await OpenSearchAdmin(client: try openSearch()).exists(name)
        case .dynamoDB:
            return try await stores.dynamoDB.describeTable(name) != nil
        }
    }

    /// Number of documents (OpenSearch: after a refresh; DynamoDB: the table's approximate item count).
    func approximateCount() async throws -> Int? {
        switch projection.target {
        case .openSearch:
            let admin = OpenSearchAdmin(client: try openSearch())
            try await admin.refresh(name)
            return try await admin.count(name)
        case .dynamoDB:
            return try await stores.dynamoDB.describeTable(name)?.itemCount
        }
    }

    /// Calls `body` with every stored document, page by page (bounded memory).
    func forEachPage(pageSize: Int = 1_000, _ body: ([StoredDocument]) async throws -> Void) async throws {
        switch projection.target {
        case .openSearch:
            let admin = OpenSearchAdmin(client: try openSearch())
            try await admin.refresh(name)
            var page: [StoredDocument] = []
            page.reserveCapacity(pageSize)
            for try await document in try admin.documents(in: name, pageSize: pageSize) {
                page.append(document)
                if page.count >= pageSize {
                    try await body(page)
                    page.removeAll(keepingCapacity: true)
                }
            }
            if !page.isEmpty { try await body(page) }
        case .dynamoDB(let target):
            let store = DynamoDBViewStore(
                configuration: .init(table: name, keyAttribute: target.key), client: try stores.dynamoDB)
            for try await page in store.scan(segments: 4, pageSize: pageSize) {
                try await body(page)
            }
        }
    }

    func openSearch() throws -> OpenSearchClient {
        guard let client = stores.openSearch else {
            throw RuntimeError(
                .badConfiguration, "writes to OpenSearch but opensearch.url (or OPENSEARCH_URL) is not set",
                projection: projection.name)
        }
        return client
    }
}
