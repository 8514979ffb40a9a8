import NIOHTTP1
public import ProjectorCore

/// All documents of an index or alias, as an async sequence, read page by page with the scroll API
/// (`sort: _doc`, the cheapest order), with `_seq_no`/`_primary_term` as each document's revision.
///
/// The scroll context is cleared when the sequence ends. If iteration stops early or throws, OpenSearch drops the
/// context after ``keepAlive``. Documents written during the iteration may or may not appear (the scroll sees the
/// index as of its first page).
public struct OpenSearchDocuments: AsyncSequence, Sendable {
    /// One document with its `_seq_no`/`_primary_term` revision.
    public typealias Element = StoredDocument

    let client: OpenSearchClient
    /// The index or alias read.
    public let index: String
    /// Documents per page. Default 1,000.
    public let pageSize: Int
    /// How long OpenSearch keeps the scroll between two pages. Default 2 minutes.
    public let keepAlive: Duration

    /// An iterator with a scroll of its own, opened by its first ``Iterator/next()``.
    public func makeAsyncIterator() -> Iterator {
        Iterator(sequence: self)
    }

    /// Reads the next page when the current one is used up.
    public struct Iterator: AsyncIteratorProtocol {
        let sequence: OpenSearchDocuments
        var page: [StoredDocument] = []
        var offset = 0
        var scrollID: String?
        var finished = false

        init(sequence: OpenSearchDocuments) {
            self.sequence = sequence
        }

        /// The next document, loading the next scroll page when the current one is used up;
        /// `nil` after the last page (the scroll context is then cleared).
        public mutating func next() async throws -> StoredDocument? {
            while offset == page.count {
                if finished { return nil }
                try await self.loadPage()
            }
            defer { offset += 1 }
            return page[offset]
        }

        private mutating func loadPage() async throws {
            let index = sequence.index
            let keepAlive = "\(Swift.max(1, sequence.keepAlive.components.seconds))s"
            let request: OpenSearchRequest
            if let scrollID {
                let body: JSONValue = ["scroll": .string(keepAlive), "scroll_id": .string(scrollID)]
                request = OpenSearchRequest(
                    method: .POST, path: "/_search/scroll", body: Array(body.serialized().utf8), operation: "scroll",
                    index: index)
            } else {
                let body: JSONValue = [
                    "size": .int(sequence.pageSize), "sort": ["_doc"], "seq_no_primary_term": true,
                    "query": ["match_all": [:]],
                ]
                request = OpenSearchRequest(
                    method: .POST, path: PathEncoding.path(index, "_search"), query: [("scroll", keepAlive)],
                    body: Array(body.serialized().utf8), operation: "scroll", index: index)
            }
            let response = try await sequence.client.send(request)
            guard response.status == 200 else {
                throw OpenSearchError(
                    code: response.status == 404 ? .indexNotFound : .requestFailed, operation: "scroll", index: index,
                    status: response.status, message: response.errorSummary())
            }
            let json = try response.json(for: request)
            scrollID = json["_scroll_id"]?.stringValue ?? scrollID
            let hits = json["hits"]?["hits"]?.arrayValue ?? []
            page = try hits.map { hit throws(OpenSearchError) in
                guard let key = hit["_id"]?.stringValue, let source = hit["_source"],
                    case .int(let seqNo)? = hit["_seq_no"], case .int(let term)? = hit["_primary_term"]
                else {
                    throw OpenSearchError(
                        code: .invalidResponse, operation: "scroll", index: index,
                        message: "a hit lacks _id, _source, _seq_no or _primary_term")
                }
                return StoredDocument(key: key, body: source, revision: StoreRevision(Int64(seqNo), Int64(term)))
            }
            offset = 0
            if hits.count < sequence.pageSize || hits.isEmpty {
                finished = true
                try await self.clearScroll()
            }
        }

        private mutating func clearScroll() async throws {
            guard let scrollID else { return }
            self.scrollID = nil
            let body: JSONValue = ["scroll_id": [.string(scrollID)]]
            _ = try? await sequence.client.send(
                OpenSearchRequest(
                    method: .DELETE, path: "/_search/scroll", body: Array(body.serialized().utf8),
                    operation: "clear scroll", index: sequence.index))
        }
    }
}

extension OpenSearchAdmin {
    /// Every document of `index` (an index or an alias), with its revision, for `verify`.
    public func documents(
        in index: String, pageSize: Int = 1_000, keepAlive: Duration = .seconds(120)
    ) throws(OpenSearchError) -> OpenSearchDocuments {
        try IndexName.validate(index, what: "index")
        return OpenSearchDocuments(
            client: self.client, index: index, pageSize: max(1, pageSize), keepAlive: keepAlive)
    }
}
