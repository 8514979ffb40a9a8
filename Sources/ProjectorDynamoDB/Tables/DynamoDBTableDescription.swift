import ProjectorCore

/// What `DescribeTable` says about a table, the parts projector uses.
public struct DynamoDBTableDescription: Sendable, Hashable {
    /// The table name.
    public var name: String
    /// `CREATING`, `ACTIVE`, `UPDATING`, `DELETING`, …
    public var status: String
    /// The hash key attribute's name.
    public var hashKeyAttribute: String?
    /// The hash key attribute's type: `S`, `N` or `B`.
    public var hashKeyType: String?
    /// True when the table also has a range (sort) key.
    public var hasRangeKey: Bool
    /// DynamoDB's item count estimate (updated about every six hours on AWS).
    public var itemCount: Int?

    /// True when the table accepts reads and writes.
    public var isActive: Bool { self.status == "ACTIVE" }

    /// Creates a description from its parts.
    public init(
        name: String, status: String, hashKeyAttribute: String?, hashKeyType: String?, hasRangeKey: Bool,
        itemCount: Int?
    ) {
        self.name = name
        self.status = status
        self.hashKeyAttribute = hashKeyAttribute
        self.hashKeyType = hashKeyType
        self.hasRangeKey = hasRangeKey
        self.itemCount = itemCount
    }

    /// Reads the `Table` (or `TableDescription`) object of an answer.
    init?(answer table: JSONValue) {
        guard let name = table["TableName"]?.stringValue, let status = table["TableStatus"]?.stringValue else {
            return nil
        }
        let schema = table["KeySchema"]?.arrayValue ?? []
        let hash = schema.first { $0["KeyType"]?.stringValue == "HASH" }?["AttributeName"]?.stringValue
        let type = (table["AttributeDefinitions"]?.arrayValue ?? []).first {
            $0["AttributeName"]?.stringValue == hash
        }?["AttributeType"]?.stringValue
        var count: Int?
        if case .int(let value)? = table["ItemCount"] {
            count = value
        }
        self.init(
            name: name, status: status, hashKeyAttribute: hash, hashKeyType: type,
            hasRangeKey: schema.contains { $0["KeyType"]?.stringValue == "RANGE" }, itemCount: count)
    }
}
