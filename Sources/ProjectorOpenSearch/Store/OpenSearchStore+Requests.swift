import NIOHTTP1
import ProjectorCore

extension OpenSearchStore {
    /// Sends one bulk request and classifies its items. A 413 (body too large for the cluster) splits the request
    /// in halves; a single document that is still too large is rejected.
    func send(_ request: BulkRequest, writes: [DocumentWrite]) async throws -> [(Int, BulkItemResult)] {
        let index = self.configuration.index
        var query = [("filter_path", BulkItemResult.filterPath)]
        if self.configuration.requireAlias { query.append(("require_alias", "true")) }
        if self.configuration.waitForRefresh { query.append(("refresh", "wait_for")) }
        let bulk = OpenSearchRequest(
            method: .POST, path: PathEncoding.path(index, "_bulk"), query: query, body: request.body,
            contentType: "application/x-ndjson", operation: "bulk", index: index)
        let response = try await self.client.send(bulk)
        switch response.status {
        case 200..<300:
            let json = try response.json(for: bulk)
            let results = try BulkItemResult.classify(json, request: request, writes: writes, index: index)
            return Array(zip(request.positions, results))
        case 413 where request.positions.count > 1:
            let half = (request.positions.count + 1) / 2
            var results: [(Int, BulkItemResult)] = []
            for part in BulkRequest.split(
                writes, positions: request.positions, maximumDocuments: half, maximumBytes: .max)
            {
                results += try await self.send(part, writes: writes)
            }
            return results
        case 413:
            let position = request.positions[0]
            let reason = BulkItemResult.rejection(
                index: index, key: writes[position].key, status: 413,
                "the document (\(request.body.count) bytes with its action line) is larger than the cluster accepts")
            return [(position, .settled(.rejected(reason: reason)))]
        case 404:
            throw OpenSearchError(
                code: .indexNotFound, operation: "bulk", index: index, status: 404, message: response.errorSummary())
        default:
            throw OpenSearchError(
                code: .requestFailed, operation: "bulk", index: index, status: response.status,
                message: response.errorSummary())
        }
    }

    /// Reads one chunk of keys with `_mget` and adds the found documents to `documents`.
    func fetchChunk(_ keys: ArraySlice<String>, into documents: inout [String: StoredDocument]) async throws {
        let index = self.configuration.index
        var body: [UInt8] = []
        body.reserveCapacity(16 + keys.count * 40)
        body.append(contentsOf: #"{"ids":["#.utf8)
        for (offset, key) in keys.enumerated() {
            if offset > 0 { body.append(UInt8(ascii: ",")) }
            JSONValue.writeString(key, to: &body)
        }
        body.append(contentsOf: "]}".utf8)
        let request = OpenSearchRequest(
            method: .POST, path: PathEncoding.path(index, "_mget"),
            query: [("filter_path", "docs._id,docs.found,docs._source,docs._seq_no,docs._primary_term,docs.error")],
            body: body, operation: "mget", index: index)
        let response = try await self.client.send(request)
        guard response.status == 200 else {
            throw OpenSearchError(
                code: response.status == 404 ? .indexNotFound : .requestFailed, operation: "mget", index: index,
                status: response.status, message: response.errorSummary())
        }
        for document in try response.json(for: request)["docs"]?.arrayValue ?? [] {
            if let error = document["error"] {
                let notFound = error["type"]?.stringValue == "index_not_found_exception"
                throw OpenSearchError(
                    code: notFound ? .indexNotFound : .unavailable, operation: "mget", index: index,
                    message: OpenSearchResponse.errorSummary(of: error) ?? "a document could not be read")
            }
            guard document["found"] == .bool(true) else { continue }
            guard let key = document["_id"]?.stringValue, let source = document["_source"],
                case .int(let seqNo)? = document["_seq_no"], case .int(let term)? = document["_primary_term"]
            else {
                throw OpenSearchError(
                    code: .invalidResponse, operation: "mget", index: index,
                    message: "a found document lacks _id, _source, _seq_no or _primary_term")
            }
            documents[key] = StoredDocument(key: key, body: source, revision: StoreRevision(Int64(seqNo), Int64(term)))
        }
    }
}
