import Foundation
import ProjectorCore

/// What one item of a `_bulk` response means for its write.
enum BulkItemResult: Sendable, Equatable {
    /// Settled: report this outcome.
    case settled(WriteOutcome)
    /// Throttled (429) or failed on the server (5xx): send this item again.
    case retry(status: Int, summary: String)

    /// The `filter_path` that keeps only what ``classify(_:request:writes:index:)`` reads.
    static let filterPath =
        "errors,items.*.status,items.*._seq_no,items.*._primary_term,items.*.error.type,items.*.error.reason"

    /// Classifies every item of a bulk response, in the order of `request.positions`.
    ///
    /// - 2xx → applied with the new `_seq_no`/`_primary_term` (none for a delete);
    /// - 409 → conflict, except a delete whose document is already gone (applied);
    /// - 404 on a delete → applied (the document is gone, which is what the delete wanted);
    /// - 408, 429, 5xx → retry;
    /// - any other status → rejected, naming the index, the key and OpenSearch's error type and reason.
    static func classify(
        _ response: JSONValue, request: BulkRequest, writes: [DocumentWrite], index: String
    ) throws(OpenSearchError) -> [BulkItemResult] {
        guard let items = response["items"]?.arrayValue, items.count == request.positions.count else {
            throw OpenSearchError(
                code: .invalidResponse, operation: "bulk", index: index,
                message: "expected \(request.positions.count) items in the bulk response, found "
                    + "\(response["items"]?.arrayValue?.count ?? 0)")
        }
        var results: [BulkItemResult] = []
        results.reserveCapacity(items.count)
        for (item, position) in zip(items, request.positions) {
            guard let result = item.objectValue?.values.first, let status = Self.integer(result["status"]) else {
                throw OpenSearchError(
                    code: .invalidResponse, operation: "bulk", index: index,
                    message: "a bulk response item has no status")
            }
            results.append(try Self.classify(status: status, result: result, write: writes[position], index: index))
        }
        return results
    }

    static func classify(
        status: Int, result: JSONValue, write: DocumentWrite, index: String
    ) throws(OpenSearchError) -> BulkItemResult {
        let isDelete: Bool
        if case .delete = write { isDelete = true } else { isDelete = false }
        if status == 404, result["error"]?["type"]?.stringValue == "index_not_found_exception" {
            throw OpenSearchError(
                code: .indexNotFound, operation: "bulk", index: index, status: status,
                message: "the index or alias does not exist (create it first; writes never create indices)")
        }
        switch status {
        case 200..<300:
            if isDelete { return .settled(.applied(nil)) }
            guard let seqNo = Self.integer(result["_seq_no"]), let term = Self.integer(result["_primary_term"]) else {
                throw OpenSearchError(
                    code: .invalidResponse, operation: "bulk", index: index, status: status,
                    message: "the bulk item for document [\(write.key.oneLine(limit: 120))] "
                        + "has no _seq_no/_primary_term")
            }
            return .settled(.applied(StoreRevision(Int64(seqNo), Int64(term))))
        case 404 where isDelete:
            return .settled(.applied(nil))
        case 409:
            let reason = result["error"]?["reason"]?.stringValue ?? ""
            if isDelete && reason.contains("no document was found") { return .settled(.applied(nil)) }
            return .settled(.conflict)
        case _ where RetryPolicy.Failure.isTransient(httpStatus: status):
            let summary = OpenSearchResponse.errorSummary(of: result["error"]) ?? "HTTP \(status)"
            return .retry(status: status, summary: summary)
        default:
            let summary = OpenSearchResponse.errorSummary(of: result["error"]) ?? "HTTP \(status)"
            return .settled(.rejected(reason: Self.rejection(index: index, key: write.key, status: status, summary)))
        }
    }

    /// `OpenSearch refused document [key] in index [index] (HTTP 400): type: reason`.
    static func rejection(index: String, key: String, status: Int, _ summary: String) -> String {
        "OpenSearch refused document [\(key.oneLine(limit: 120))] in index [\(index)] "
            + "(HTTP \(status)): \(summary)"
    }

    private static func integer(_ value: JSONValue?) -> Int? {
        switch value {
        case .int(let number)?: number
        case .double(let number)? where number.rounded() == number && abs(number) < 9e15: Int(number)
        default: nil
        }
    }
}
