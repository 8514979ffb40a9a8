import ProjectorCore

extension DynamoDBClient {
    /// The table's description, or `nil` when it does not exist.
    public func describeTable(_ name: String) async throws -> DynamoDBTableDescription? {
        let answer: JSONValue
        do {
            answer = try await self.send("DescribeTable", ["TableName": .string(name)], table: name)
        } catch let error as DynamoDBError where error.code == .tableNotFound {
            return nil
        }
        guard let table = answer["Table"], let description = DynamoDBTableDescription(answer: table) else {
            throw DynamoDBError(
                code: .invalidResponse, message: "answer has no Table with name and status",
                operation: "DescribeTable", table: name)
        }
        return description
    }

    /// Creates an on-demand (`PAY_PER_REQUEST`) table whose hash key is the string attribute `keyAttribute`.
    /// Returns at once; the table is `CREATING` until ``waitUntilActive(_:timeout:pollInterval:)`` says otherwise.
    /// A table of that name that already exists is left alone (check it with ``ensureTable(_:keyAttribute:)``).
    public func createTable(_ name: String, keyAttribute: String) async throws {
        let request: JSONValue = [
            "TableName": .string(name),
            "AttributeDefinitions": [["AttributeName": .string(keyAttribute), "AttributeType": "S"]],
            "KeySchema": [["AttributeName": .string(keyAttribute), "KeyType": "HASH"]],
            "BillingMode": "PAY_PER_REQUEST",
        ]
        do {
            _ = try await self.send("CreateTable", request, table: name)
        } catch let error as DynamoDBError where error.awsCode == "ResourceInUseException" {
            return
        }
    }

    /// Polls `DescribeTable` until the table is `ACTIVE`.
    /// - Throws: ``DynamoDBError/Code/tableNotFound`` when it does not exist,
    ///   ``DynamoDBError/Code/tableNotReady`` when it is not active after `timeout`.
    @discardableResult
    public func waitUntilActive(
        _ name: String, timeout: Duration = .seconds(300), pollInterval: Duration = .milliseconds(500)
    ) async throws -> DynamoDBTableDescription {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            guard let description = try await self.describeTable(name) else {
                throw DynamoDBError(
                    code: .tableNotFound, message: "table does not exist", operation: "DescribeTable", table: name)
            }
            if description.isActive {
                return description
            }
            guard clock.now < deadline else {
                throw DynamoDBError(
                    code: .tableNotReady, message: "still \(description.status) after \(timeout)",
                    operation: "DescribeTable", table: name)
            }
            try await clock.sleep(for: pollInterval)
        }
    }

    /// Makes sure the table exists, is active and is keyed by the string attribute `keyAttribute` alone:
    /// creates it (on demand) when missing and waits for it.
    /// - Throws: ``DynamoDBError/Code/tableSchemaMismatch`` when an existing table has another key schema.
    @discardableResult
    public func ensureTable(_ name: String, keyAttribute: String, timeout: Duration = .seconds(300)) async throws
        -> DynamoDBTableDescription
    {
        if try await self.describeTable(name) == nil {
            try await self.createTable(name, keyAttribute: keyAttribute)
        }
        let description = try await self.waitUntilActive(name, timeout: timeout)
        guard description.hashKeyAttribute == keyAttribute, description.hashKeyType == "S", !description.hasRangeKey
        else {
            throw DynamoDBError(
                code: .tableSchemaMismatch,
                message: "expected a string hash key '\(keyAttribute)' and no sort key, found hash key "
                    + "'\(description.hashKeyAttribute ?? "?")' of type \(description.hashKeyType ?? "?")"
                    + (description.hasRangeKey ? " and a sort key" : ""),
                operation: "DescribeTable", table: name)
        }
        return description
    }

    /// Deletes the table; a missing table is not an error. With `waitUntilGone`, returns once `DescribeTable`
    /// no longer finds it (so the name can be reused).
    public func deleteTable(_ name: String, waitUntilGone: Bool = true, timeout: Duration = .seconds(300))
        async throws
    {
        do {
            _ = try await self.send("DeleteTable", ["TableName": .string(name)], table: name)
        } catch let error as DynamoDBError where error.code == .tableNotFound {
            return
        }
        guard waitUntilGone else { return }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while let description = try await self.describeTable(name) {
            guard clock.now < deadline else {
                throw DynamoDBError(
                    code: .tableNotReady, message: "still \(description.status) after \(timeout)",
                    operation: "DeleteTable", table: name)
            }
            try await clock.sleep(for: .milliseconds(500))
        }
    }
}

extension DynamoDBViewStore {
    /// Makes sure the store's table exists and is active with the configured key (creates it on demand).
    @discardableResult
    public func ensureTable(timeout: Duration = .seconds(300)) async throws -> DynamoDBTableDescription {
        try await self.client.ensureTable(self.table, keyAttribute: self.configuration.keyAttribute, timeout: timeout)
    }
}
