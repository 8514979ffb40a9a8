public import ProjectorCore

/// Every document of a table, read by a parallel consistent `Scan`, as a sequence of pages.
///
/// Each step reads the next page of every unfinished segment at once, so at most `segments` pages are held in
/// memory. Pages come in no particular key order. Used by `verify` and by the clean-up after an in-place rebuild.
///
/// ```swift
/// for try await page in store.scan(segments: 4) {
///     for document in page { … }
/// }
/// ```
public struct DynamoDBScan: AsyncSequence, Sendable {
    /// One page: the documents one `Scan` call returned for one segment.
    public typealias Element = [StoredDocument]

    let store: DynamoDBViewStore
    let segments: Int
    let pageSize: Int?

    /// An iterator that scans every segment from its beginning, independently of other iterators.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(store: self.store, segments: self.segments, pageSize: self.pageSize)
    }

    /// Reads pages on demand.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let store: DynamoDBViewStore
        let segments: Int
        let pageSize: Int?
        /// Unfinished segments and where each continues (`nil`: from the start).
        var cursors: [(segment: Int, startKey: JSONValue?)]
        var buffered: [[StoredDocument]] = []

        init(store: DynamoDBViewStore, segments: Int, pageSize: Int?) {
            self.store = store
            self.segments = segments
            self.pageSize = pageSize
            self.cursors = (0..<segments).map { ($0, nil) }
        }

        /// Reads the next page of every unfinished segment concurrently when none is buffered,
        /// then returns one non-empty page; `nil` when every segment is finished.
        public mutating func next() async throws -> [StoredDocument]? {
            while self.buffered.isEmpty {
                guard !self.cursors.isEmpty else { return nil }
                let cursors = self.cursors
                let (store, segments, pageSize) = (self.store, self.segments, self.pageSize)
                let pages = try await BoundedConcurrency.map(count: cursors.count, limit: cursors.count) { index in
                    try await store.scanPage(
                        segment: cursors[index].segment, of: segments, startKey: cursors[index].startKey,
                        pageSize: pageSize)
                }
                var remaining: [(segment: Int, startKey: JSONValue?)] = []
                for (cursor, page) in zip(cursors, pages) {
                    if !page.documents.isEmpty {
                        self.buffered.append(page.documents)
                    }
                    if let last = page.lastKey {
                        remaining.append((cursor.segment, last))
                    }
                }
                self.cursors = remaining
            }
            return self.buffered.removeFirst()
        }
    }
}

extension DynamoDBViewStore {
    /// All documents of the table, by a parallel consistent scan with `segments` segments (default 4).
    /// `pageSize` caps the items per `Scan` call (DynamoDB also stops a page at 1 MB).
    public func scan(segments: Int = 4, pageSize: Int? = nil) -> DynamoDBScan {
        DynamoDBScan(store: self, segments: max(1, segments), pageSize: pageSize.map { max(1, $0) })
    }

    /// One `Scan` page of one segment and the key to continue from (`nil` when the segment is done).
    func scanPage(segment: Int, of segments: Int, startKey: JSONValue?, pageSize: Int?) async throws
        -> (documents: [StoredDocument], lastKey: JSONValue?)
    {
        var request: JSONObject = ["TableName": .string(self.table), "ConsistentRead": true]
        if segments > 1 {
            request["Segment"] = .int(segment)
            request["TotalSegments"] = .int(segments)
        }
        if let startKey {
            request["ExclusiveStartKey"] = startKey
        }
        if let pageSize {
            request["Limit"] = .int(pageSize)
        }
        let answer = try await self.client.send("Scan", .object(request), table: self.table)
        var documents: [StoredDocument] = []
        for case .object(let item) in answer["Items"]?.arrayValue ?? [] {
            documents.append(try self.storedDocument(from: item, operation: "Scan"))
        }
        let lastKey = answer["LastEvaluatedKey"].flatMap { $0.objectValue?.isEmpty == false ? $0 : nil }
        return (documents, lastKey)
    }
}
