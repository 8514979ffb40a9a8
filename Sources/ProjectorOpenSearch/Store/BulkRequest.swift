import ProjectorCore

/// One `_bulk` request body (NDJSON) and which writes it carries.
///
/// Bodies are written straight into one byte buffer with `JSONValue.write(to:)`: no per-document round trip
/// through Foundation.
struct BulkRequest: Sendable, Equatable {
    /// The NDJSON body, every line ending in `\n`.
    var body: [UInt8]
    /// Positions (in the caller's write list) of the items, in body order.
    var positions: [Int]

    /// Splits the writes at `positions` into bodies of at most `maximumDocuments` items and `maximumBytes` bytes.
    /// A single write larger than `maximumBytes` travels alone (OpenSearch decides whether it fits).
    ///
    /// Action lines carry no `_index`: the request is sent to `/<index>/_bulk`.
    /// - `upsert`, `expected == nil` → `create` (refused with 409 when the id exists);
    /// - `upsert` with a revision → `index` with `if_seq_no`/`if_primary_term`;
    /// - `delete` → `delete` with `if_seq_no`/`if_primary_term`.
    static func split(
        _ writes: [DocumentWrite], positions: [Int], maximumDocuments: Int, maximumBytes: Int
    ) -> [BulkRequest] {
        var requests: [BulkRequest] = []
        var current = BulkRequest(body: [], positions: [])
        current.body.reserveCapacity(min(maximumBytes, 1 << 20))
        var item: [UInt8] = []
        for position in positions {
            item.removeAll(keepingCapacity: true)
            Self.append(writes[position], to: &item)
            let full =
                current.positions.count >= maximumDocuments
                || (!current.positions.isEmpty && current.body.count + item.count > maximumBytes)
            if full {
                requests.append(current)
                current = BulkRequest(body: [], positions: [])
                current.body.reserveCapacity(min(maximumBytes, 1 << 20))
            }
            current.body.append(contentsOf: item)
            current.positions.append(position)
        }
        if !current.positions.isEmpty { requests.append(current) }
        return requests
    }

    /// Appends the action line (and the source line for upserts) of one write.
    static func append(_ write: DocumentWrite, to out: inout [UInt8]) {
        switch write {
        case .upsert(let key, let body, nil):
            Self.appendAction("create", key: key, revision: nil, to: &out)
            body.write(to: &out)
            out.append(UInt8(ascii: "\n"))
        case .upsert(let key, let body, let expected?):
            Self.appendAction("index", key: key, revision: expected, to: &out)
            body.write(to: &out)
            out.append(UInt8(ascii: "\n"))
        case .delete(let key, let expected):
            Self.appendAction("delete", key: key, revision: expected, to: &out)
        }
    }

    private static func appendAction(_ action: String, key: String, revision: StoreRevision?, to out: inout [UInt8]) {
        out.append(contentsOf: #"{""#.utf8)
        out.append(contentsOf: action.utf8)
        out.append(contentsOf: #"":{"_id":"#.utf8)
        JSONValue.writeString(key, to: &out)
        if let revision {
            out.append(contentsOf: #","if_seq_no":"#.utf8)
            out.append(contentsOf: String(revision.first).utf8)
            out.append(contentsOf: #","if_primary_term":"#.utf8)
            out.append(contentsOf: String(revision.second).utf8)
        }
        out.append(contentsOf: "}}\n".utf8)
    }
}
