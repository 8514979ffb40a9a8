public import ProjectorCore

extension DynamoDBViewStore {
    /// Applies the writes as conditional single-item calls, up to ``Configuration/maximumConcurrentWrites`` in
    /// flight; writes to the same key run one after the other in the given order. One outcome per write, in order.
    ///
    /// - Throws: ``DynamoDBError`` when the table is missing, DynamoDB refuses a request for another reason than
    ///   the item (`AccessDeniedException`, …), or failures outlast the retry budget. Writes already applied stay
    ///   applied; calling again with the same writes reports them as `.conflict`.
    public func apply(_ writes: [DocumentWrite]) async throws -> [WriteOutcome] {
        // Chains of writes per key, in order of first appearance.
        var chainOfKey: [String: Int] = [:]
        var chains: [[Int]] = []
        for (index, write) in writes.enumerated() {
            if let chain = chainOfKey[write.key] {
                chains[chain].append(index)
            } else {
                chainOfKey[write.key] = chains.count
                chains.append([index])
            }
        }
        let orderedChains = chains
        let results = try await BoundedConcurrency.map(
            count: orderedChains.count, limit: self.configuration.maximumConcurrentWrites
        ) { chain in
            var outcomes: [(Int, WriteOutcome)] = []
            for index in orderedChains[chain] {
                outcomes.append((index, try await self.apply(writes[index])))
            }
            return outcomes
        }
        var outcomes = [WriteOutcome](repeating: .conflict, count: writes.count)
        for (index, outcome) in results.joined() {
            outcomes[index] = outcome
        }
        return outcomes
    }

    /// One conditional write.
    func apply(_ write: DocumentWrite) async throws -> WriteOutcome {
        if let problem = Self.keyProblem(write.key) {
            return .rejected(reason: problem)
        }
        switch write {
        case .upsert(let key, let body, let expected):
            let prepared: (item: JSONObject, revision: StoreRevision)
            switch self.prepareItem(key: key, body: body) {
            case .success(let value): prepared = value
            case .failure(let rejection): return .rejected(reason: rejection.reason)
            }
            var request = self.condition(expected: expected)
            request["TableName"] = .string(self.table)
            request["Item"] = .object(prepared.item)
            return try await self.send("PutItem", request, key: key, applied: prepared.revision)
        case .delete(let key, let expected):
            var request = self.condition(expected: expected)
            request["TableName"] = .string(self.table)
            request["Key"] = self.itemKey(key)
            return try await self.send("DeleteItem", request, key: key, applied: nil)
        }
    }

    /// Sends one conditional write and classifies the answer.
    private func send(_ operation: String, _ request: JSONObject, key: String, applied: StoreRevision?)
        async throws -> WriteOutcome
    {
        do {
            _ = try await self.client.send(operation, .object(request), table: self.table, key: key)
            return .applied(applied)
        } catch let error as DynamoDBError where error.code == .requestRejected {
            switch error.awsCode {
            case "ConditionalCheckFailedException":
                return .conflict
            case "ValidationException":
                return .rejected(reason: "DynamoDB refused item '\(key)': \(error.message.oneLine())")
            default:
                throw error
            }
        }
    }

    /// The condition members of a write request: the key must be absent (`expected == nil`) or the stored
    /// counter must equal the expected one. Revision 0 also matches an item without a counter (written by
    /// something other than projector).
    func condition(expected: StoreRevision?) -> JSONObject {
        let keyName: JSONValue = .string(self.configuration.keyAttribute)
        let metadata: JSONValue = .string(Self.metadataAttribute)
        let counter: JSONValue = .string(Self.counterAttribute)
        guard let expected else {
            return [
                "ConditionExpression": "attribute_not_exists(#pk)",
                "ExpressionAttributeNames": ["#pk": keyName],
            ]
        }
        let value: JSONValue = ["N": .string(String(expected.first))]
        if expected.first == 0 {
            return [
                "ConditionExpression": "#m.#v = :expected OR (attribute_exists(#pk) AND attribute_not_exists(#m.#v))",
                "ExpressionAttributeNames": ["#pk": keyName, "#m": metadata, "#v": counter],
                "ExpressionAttributeValues": [":expected": value],
            ]
        }
        return [
            "ConditionExpression": "#m.#v = :expected",
            "ExpressionAttributeNames": ["#m": metadata, "#v": counter],
            "ExpressionAttributeValues": [":expected": value],
        ]
    }

    /// The item to put for a document and the revision it will have, or why it cannot be stored.
    func prepareItem(key: String, body: JSONValue) -> Result<(item: JSONObject, revision: StoreRevision), Rejection> {
        guard case .object(var document) = body else {
            return .failure(Rejection(reason: "document '\(key)' is not a JSON object"))
        }
        let keyAttribute = self.configuration.keyAttribute
        if let stored = document[keyAttribute], stored != .string(key) {
            return .failure(
                Rejection(reason: "attribute '\(keyAttribute)' of document '\(key)' differs from its key"))
        }
        document[keyAttribute] = .string(key)
        guard let revision = Self.revision(of: body) else {
            return .failure(
                Rejection(
                    reason: "document '\(key)' has no integer \(Self.metadataAttribute).\(Self.counterAttribute)"))
        }
        let size = DynamoDBItemSize.of(document: document)
        guard size <= DynamoDBItemSize.limit else {
            return .failure(Rejection(reason: "item '\(key)' is \(size) bytes, over DynamoDB's 400 KB limit"))
        }
        do {
            return .success((try DynamoDBItemCoder.item(from: document), revision))
        } catch {
            return .failure(Rejection(reason: "item '\(key)': \(error)"))
        }
    }

    /// Why a document cannot be stored; never contains its content.
    struct Rejection: Error {
        var reason: String
    }
}
