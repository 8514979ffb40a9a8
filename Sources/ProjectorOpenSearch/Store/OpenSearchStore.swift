import Logging
public import ProjectorCore

/// A ``ViewStore`` over one OpenSearch index or alias, with optimistic concurrency on
/// `(_seq_no, _primary_term)` (``StoreRevision``: `first` = `_seq_no`, `second` = `_primary_term`).
///
/// - `fetch` reads with `_mget` (in chunks of ``Configuration/maximumFetchKeys``);
/// - `apply` writes with `_bulk` (split by ``Configuration/maximumBulkDocuments`` and
///   ``Configuration/maximumBulkBytes``): an upsert without expected revision is a `create` (409 when the id
///   exists → ``WriteOutcome/conflict``), with one an `index` guarded by `if_seq_no`/`if_primary_term`; a delete
///   is guarded the same way. Items throttled (429) or failing on the server (5xx) are re-sent alone with
///   full-jitter backoff; other refusals (mapping errors) are ``WriteOutcome/rejected(reason:)``.
///
/// Writes never create an index: with ``Configuration/requireAlias`` they even refuse a concrete index name.
public struct OpenSearchStore: ViewStore {
    /// Where and how this store writes.
    public struct Configuration: Sendable, Hashable {
        /// The alias (or, during a rebuild, the physical index) to read and write.
        public var index: String
        /// Items per `_bulk` request. Default 1,000.
        public var maximumBulkDocuments: Int
        /// Bytes per `_bulk` request body. Default 5 MiB. A single larger document is sent alone.
        public var maximumBulkBytes: Int
        /// Keys per `_mget` request. Default 1,000.
        public var maximumFetchKeys: Int
        /// Send `require_alias=true`: refuse to write unless ``index`` is an alias. Default false.
        public var requireAlias: Bool
        /// Make writes visible to search before `apply` returns (`refresh=wait_for`). Default false: `_mget`
        /// sees writes at once anyway; only searches wait for the index's refresh interval.
        public var waitForRefresh: Bool

        /// Creates a configuration with the documented defaults.
        public init(
            index: String,
            maximumBulkDocuments: Int = 1_000,
            maximumBulkBytes: Int = 5 << 20,
            maximumFetchKeys: Int = 1_000,
            requireAlias: Bool = false,
            waitForRefresh: Bool = false
        ) {
            self.index = index
            self.maximumBulkDocuments = max(1, maximumBulkDocuments)
            self.maximumBulkBytes = max(1, maximumBulkBytes)
            self.maximumFetchKeys = max(1, maximumFetchKeys)
            self.requireAlias = requireAlias
            self.waitForRefresh = waitForRefresh
        }
    }

    /// The connection this store uses.
    public let client: OpenSearchClient
    /// Where and how this store writes.
    public let configuration: Configuration

    /// Creates a store. Starts no work.
    ///
    /// - Throws: ``OpenSearchError`` `invalidConfiguration` when the index name is not a valid OpenSearch name.
    public init(client: OpenSearchClient, configuration: Configuration) throws(OpenSearchError) {
        try IndexName.validate(configuration.index, what: "index")
        self.client = client
        self.configuration = configuration
    }

    /// Creates a store for `index` with the default limits.
    public init(client: OpenSearchClient, index: String) throws(OpenSearchError) {
        try self.init(client: client, configuration: Configuration(index: index))
    }

    /// The documents of `keys` that exist, by `_mget` on the index (or alias), with their `_seq_no`/`_primary_term`
    /// as revision; absent keys are missing from the result.
    public func fetch(_ keys: [String]) async throws -> [String: StoredDocument] {
        var documents: [String: StoredDocument] = [:]
        documents.reserveCapacity(keys.count)
        var start = keys.startIndex
        while start < keys.endIndex {
            let end =
                keys.index(start, offsetBy: self.configuration.maximumFetchKeys, limitedBy: keys.endIndex)
                ?? keys.endIndex
            try await self.fetchChunk(keys[start..<end], into: &documents)
            start = end
        }
        return documents
    }

    /// Sends `writes` in `_bulk` requests split by count and bytes, each guarded by `if_seq_no`/`if_primary_term` (or
    /// `create` for new documents); re-sends throttled items, and reports one outcome per write in order.
    public func apply(_ writes: [DocumentWrite]) async throws -> [WriteOutcome] {
        var outcomes = [WriteOutcome?](repeating: nil, count: writes.count)
        var pending = Array(writes.indices)
        var retry = self.client.configuration.retry.start()
        while !pending.isEmpty {
            var again: [Int] = []
            var lastFailure = ""
            let requests = BulkRequest.split(
                writes, positions: pending, maximumDocuments: self.configuration.maximumBulkDocuments,
                maximumBytes: self.configuration.maximumBulkBytes)
            for request in requests {
                for (position, result) in try await self.send(request, writes: writes) {
                    switch result {
                    case .settled(let outcome):
                        outcomes[position] = outcome
                    case .retry(let status, let summary):
                        again.append(position)
                        lastFailure = "HTTP \(status): \(summary)"
                    }
                }
            }
            guard !again.isEmpty else { break }
            switch retry.failed(.transient()) {
            case .giveUp:
                throw OpenSearchError(
                    code: .unavailable, operation: "bulk", index: self.configuration.index,
                    message: "\(again.count) of \(writes.count) items still failing after \(retry.failures) "
                        + "attempts; last: \(lastFailure)")
            case .retry(let delay):
                self.client.configuration.retryObserver?()
                self.client.logger.debug(
                    "OpenSearch bulk items throttled or failed, retrying them",
                    metadata: [
                        OpenSearchLogKey.index: "\(self.configuration.index)",
                        OpenSearchLogKey.items: "\(again.count)", OpenSearchLogKey.attempt: "\(retry.failures)",
                        OpenSearchLogKey.delay: "\(delay)", OpenSearchLogKey.error: "\(lastFailure)",
                    ])
                try await Task.sleep(for: delay)
                pending = again
            }
        }
        return outcomes.map { $0 ?? .conflict }
    }
}
