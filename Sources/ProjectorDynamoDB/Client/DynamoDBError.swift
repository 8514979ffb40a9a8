import ProjectorCore

/// An error from the DynamoDB view store or client, with a stable ``Code`` and the context an operator needs:
/// the operation, the table, the document key and what DynamoDB answered.
///
/// `description` is one line; it never contains document bodies, credentials or signatures.
public struct DynamoDBError: Error, Sendable, Hashable {
    /// What went wrong, as a value to switch on.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case retriesExhausted, requestRejected, tableNotFound, tableNotReady, tableSchemaMismatch
            case invalidResponse, invalidConfiguration
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// Throttling, 5xx answers, timeouts or broken connections outlasted the retry budget.
        public static let retriesExhausted = Code(.retriesExhausted)
        /// DynamoDB refused the request for good (a 4xx such as `ValidationException` or `AccessDeniedException`).
        public static let requestRejected = Code(.requestRejected)
        /// The table does not exist (`ResourceNotFoundException`).
        public static let tableNotFound = Code(.tableNotFound)
        /// The table did not become `ACTIVE` (or disappear, after a delete) in time.
        public static let tableNotReady = Code(.tableNotReady)
        /// The table exists but its key schema is not a single string hash key of the configured name.
        public static let tableSchemaMismatch = Code(.tableSchemaMismatch)
        /// An answer could not be understood (not JSON, or not the shape the protocol defines).
        public static let invalidResponse = Code(.invalidResponse)
        /// The configuration cannot work (an endpoint that is not a URL, a concurrency below 1).
        public static let invalidConfiguration = Code(.invalidConfiguration)

        /// The code's name, e.g. `tableNotFound`.
        public var description: String { self.base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// One line for operators; never contains document contents or secrets.
    public var message: String
    /// The DynamoDB operation (`PutItem`, `BatchGetItem`, …), when the error came from one.
    public var operation: String?
    /// The table concerned.
    public var table: String?
    /// The document key concerned, when one is.
    public var key: String?
    /// The HTTP status of the answer, when there was one.
    public var httpStatus: Int?
    /// The error type DynamoDB returned (`ValidationException`, …), without its namespace.
    public var awsCode: String?

    /// Creates an error.
    public init(
        code: Code, message: String, operation: String? = nil, table: String? = nil, key: String? = nil,
        httpStatus: Int? = nil, awsCode: String? = nil
    ) {
        self.code = code
        self.message = message
        self.operation = operation
        self.table = table
        self.key = key
        self.httpStatus = httpStatus
        self.awsCode = awsCode
    }
}

extension DynamoDBError: CustomStringConvertible {
    /// One line: operation, table, key (capped), code and message, then HTTP status and AWS error type.
    public var description: String {
        var text = "DynamoDB"
        if let operation = self.operation {
            text += " \(operation)"
        }
        if let table = self.table {
            text += " on table '\(table)'"
        }
        if let key = self.key {
            text += " for key '\(key.oneLine(limit: 120))'"
        }
        text += ": \(self.code): " + self.message.oneLine()
        var details: [String] = []
        if let status = self.httpStatus {
            details.append("HTTP \(status)")
        }
        if let awsCode = self.awsCode {
            details.append(awsCode.oneLine(limit: 80))
        }
        return details.isEmpty ? text : text + " [" + details.joined(separator: ", ") + "]"
    }
}
