import ProjectorCore

/// An OpenSearch request that failed for good, with a stable ``Code`` and context.
///
/// `description` is one line naming the operation, the index and what went wrong. It never contains document
/// bodies, credentials or Authorization headers; reasons taken from OpenSearch are stripped of value previews.
public struct OpenSearchError: Error, Sendable, Hashable {
    /// What went wrong, as a value to switch on.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidConfiguration, unavailable, requestFailed, invalidResponse, indexNotFound
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The configuration is unusable (bad URL, unreadable CA file, invalid index name…).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// OpenSearch stayed unreachable, overloaded (429) or failing (5xx) past the retry budget.
        public static let unavailable = Code(.unavailable)
        /// OpenSearch refused the request for good (a 4xx other than 404/408/429).
        public static let requestFailed = Code(.requestFailed)
        /// The response could not be understood.
        public static let invalidResponse = Code(.invalidResponse)
        /// The index or alias does not exist.
        public static let indexNotFound = Code(.indexNotFound)

        /// The code's name, e.g. `indexNotFound`.
        public var description: String { self.base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The operation: `bulk`, `mget`, `create index`, `swap alias`…
    public var operation: String
    /// The index or alias concerned, when there is one.
    public var index: String?
    /// The HTTP status of the last response, when there was one.
    public var status: Int?
    /// One line for operators: OpenSearch's error type and reason, or the transport error.
    public var message: String

    /// Creates an error.
    public init(code: Code, operation: String, index: String? = nil, status: Int? = nil, message: String) {
        self.code = code
        self.operation = operation
        self.index = index
        self.status = status
        self.message = message
    }
}

extension OpenSearchError: CustomStringConvertible {
    /// One line: `OpenSearch OPERATION on [INDEX] CODE (HTTP STATUS): message`.
    public var description: String {
        var text = "OpenSearch \(self.operation)"
        if let index = self.index {
            text += " on [\(index)]"
        }
        text += " \(self.code)"
        if let status = self.status {
            text += " (HTTP \(status))"
        }
        return text + ": " + self.message.oneLine()
    }
}
