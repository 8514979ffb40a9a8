/// Where a projection's documents go: exactly one of an OpenSearch index or a DynamoDB table.
public enum ProjectionTarget: Sendable, Hashable {
    /// An OpenSearch index, addressed by readers through the alias `index`.
    case openSearch(OpenSearchTarget)
    /// A DynamoDB table.
    case dynamoDB(DynamoDBTarget)
}

/// `target.opensearch` of a definition.
public struct OpenSearchTarget: Sendable, Hashable {
    /// The alias readers use; the physical index name is derived from it and the projection version.
    public var index: String
    /// Index settings (`target.opensearch.settings`), passed to index creation as is.
    public var settings: JSONObject?
    /// Index mappings (`target.opensearch.mappings`), passed to index creation as is.
    public var mappings: JSONObject?

    /// Creates a target.
    public init(index: String, settings: JSONObject? = nil, mappings: JSONObject? = nil) {
        self.index = index
        self.settings = settings
        self.mappings = mappings
    }
}

/// `target.dynamodb` of a definition.
public struct DynamoDBTarget: Sendable, Hashable {
    /// The table name.
    public var table: String
    /// The partition key attribute holding the document key (default `id`).
    public var key: String

    /// Creates a target.
    public init(table: String, key: String = "id") {
        self.table = table
        self.key = key
    }
}
