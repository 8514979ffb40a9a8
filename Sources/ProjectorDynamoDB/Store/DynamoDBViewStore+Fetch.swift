import Logging
public import ProjectorCore

extension DynamoDBViewStore {
    /// The current documents for `keys` by consistent `BatchGetItem` reads (100 keys per call, several calls in
    /// flight); missing keys are absent from the result. Duplicate keys are read once.
    ///
    /// - Throws: ``DynamoDBError`` when the table is missing, DynamoDB refuses the request, or throttling and
    ///   `UnprocessedKeys` outlast the retry budget.
    public func fetch(_ keys: [String]) async throws -> [String: StoredDocument] {
        var seen = Set<String>()
        // DynamoDB refuses empty or over-long keys in a read; such documents cannot exist.
        let unique = keys.filter { Self.keyProblem($0) == nil && seen.insert($0).inserted }
        let chunks = stride(from: 0, to: unique.count, by: Self.batchGetLimit).map {
            Array(unique[$0..<min($0 + Self.batchGetLimit, unique.count)])
        }
        let pages = try await BoundedConcurrency.map(
            count: chunks.count, limit: self.configuration.maximumConcurrentReads
        ) { index in
            try await self.batchGet(chunks[index])
        }
        var result: [String: StoredDocument] = [:]
        result.reserveCapacity(unique.count)
        for document in pages.joined() {
            result[document.key] = document
        }
        return result
    }

    /// Reads up to 100 keys, resubmitting `UnprocessedKeys` with backoff until all are read.
    func batchGet(_ keys: [String]) async throws -> [StoredDocument] {
        var pending: [JSONValue] = keys.map(self.itemKey)
        var documents: [StoredDocument] = []
        documents.reserveCapacity(keys.count)
        var retry = self.client.configuration.retry.start()
        while !pending.isEmpty {
            let request: JSONValue = [
                "RequestItems": .object([self.table: ["Keys": .array(pending), "ConsistentRead": true]])
            ]
            let answer = try await self.client.send("BatchGetItem", request, table: self.table)
            guard case .array(let items)? = answer["Responses"]?[self.table] ?? .array([]) else {
                throw DynamoDBError(
                    code: .invalidResponse, message: "Responses is not a list of items", operation: "BatchGetItem",
                    table: self.table)
            }
            for case .object(let item) in items {
                documents.append(try self.storedDocument(from: item, operation: "BatchGetItem"))
            }
            let unprocessed = answer["UnprocessedKeys"]?[self.table]?["Keys"]?.arrayValue ?? []
            guard !unprocessed.isEmpty else { break }
            if unprocessed.count < pending.count {
                retry.succeeded()
            }
            pending = unprocessed
            switch retry.failed(.transient()) {
            case .giveUp:
                throw DynamoDBError(
                    code: .retriesExhausted,
                    message: "\(pending.count) keys still unprocessed after \(retry.failures) attempts",
                    operation: "BatchGetItem", table: self.table)
            case .retry(let delay):
                self.client.configuration.retryObserver?()
                self.client.logger.debug(
                    "DynamoDB returned unprocessed keys, resubmitting",
                    metadata: [
                        DynamoDBLogKey.table: "\(self.table)", DynamoDBLogKey.count: "\(pending.count)",
                        DynamoDBLogKey.delay: "\(delay)",
                    ])
                try await ContinuousClock().sleep(for: delay)
            }
        }
        return documents
    }
}
