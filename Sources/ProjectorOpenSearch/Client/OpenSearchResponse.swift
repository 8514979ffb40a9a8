import NIOCore
public import ProjectorCore

/// A response from OpenSearch: its status and the whole body.
struct OpenSearchResponse: Sendable {
    var status: Int
    var body: ByteBuffer
    /// The wait the server asked for with `Retry-After` (capped at 60 s).
    var retryAfter: Duration? = nil

    /// The body parsed as JSON.
    func json(for request: OpenSearchRequest) throws(OpenSearchError) -> JSONValue {
        do {
            return try JSONValue(parsing: self.body.readableBytesView)
        } catch {
            throw OpenSearchError(
                code: .invalidResponse, operation: request.operation, index: request.index, status: self.status,
                message: "response is not JSON (\(error))")
        }
    }

    /// OpenSearch's `error.type: error.reason` (or the plain `error` string), redacted, for error messages.
    func errorSummary() -> String {
        guard let json = try? JSONValue(parsing: self.body.readableBytesView) else {
            return "HTTP \(self.status) with a body that is not JSON"
        }
        return Self.errorSummary(of: json["error"]) ?? "HTTP \(self.status)"
    }

    /// `type: reason` of an OpenSearch error object, redacted; `nil` when there is none.
    static func errorSummary(of error: JSONValue?) -> String? {
        switch error {
        case .string(let text)?:
            return OpenSearchText.redactedReason(text)
        case .object(let object)?:
            let type = object["type"]?.stringValue ?? "error"
            let reason = object["reason"]?.stringValue.map(OpenSearchText.redactedReason) ?? ""
            return reason.isEmpty ? type : "\(type): \(reason)"
        default:
            return nil
        }
    }
}
