/// An error from credential resolution or from an AWS response, with a stable ``Code`` and context.
///
/// `description` is one line naming where and what; it never contains secrets, session tokens, web identity tokens
/// or Authorization headers.
public struct AWSError: Error, Sendable, Hashable {
    /// What went wrong, as a value to switch on.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case missingCredentials, invalidConfiguration, tokenFileUnreadable, stsFailure, invalidResponse
            case clockSkew, expiredCredentials
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// No credentials are configured (the environment variables are missing or empty).
        public static let missingCredentials = Code(.missingCredentials)
        /// A configuration value is malformed (e.g. an STS endpoint that is not a URL).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The web identity token file cannot be read or is empty.
        public static let tokenFileUnreadable = Code(.tokenFileUnreadable)
        /// STS refused the request or could not be reached.
        public static let stsFailure = Code(.stsFailure)
        /// A response could not be understood.
        public static let invalidResponse = Code(.invalidResponse)
        /// The service rejected the signature because the local clock differs too much from AWS's.
        public static let clockSkew = Code(.clockSkew)
        /// The credentials have expired and could not be refreshed.
        public static let expiredCredentials = Code(.expiredCredentials)

        /// The code's name, e.g. `missingCredentials`.
        public var description: String { self.base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// One line for operators; never contains secrets.
    public var message: String
    /// Where: the provider or component (`environment`, `web identity`, `sts`, `dynamodb`, …).
    public var source: String?
    /// The HTTP status of the response, when the error came from one.
    public var httpStatus: Int?
    /// The error code AWS returned (`AccessDenied`, `RequestTimeTooSkewed`, …), when it returned one.
    public var awsCode: String?

    /// Creates an error.
    public init(code: Code, message: String, source: String? = nil, httpStatus: Int? = nil, awsCode: String? = nil) {
        self.code = code
        self.message = message
        self.source = source
        self.httpStatus = httpStatus
        self.awsCode = awsCode
    }
}

extension AWSError: CustomStringConvertible {
    /// One line: `AWS CODE (source): message [HTTP status, AWS code]`, never a secret.
    public var description: String {
        var text = "AWS \(self.code)"
        if let source = self.source {
            text += " (\(source))"
        }
        text += ": " + Self.oneLine(self.message)
        var details: [String] = []
        if let status = self.httpStatus {
            details.append("HTTP \(status)")
        }
        if let awsCode = self.awsCode {
            details.append(Self.oneLine(awsCode))
        }
        return details.isEmpty ? text : text + " [" + details.joined(separator: ", ") + "]"
    }

    /// Replaces line breaks and caps the length, so that text from a response cannot spread over many log lines.
    /// (ProjectorAWS stands alone, without ProjectorCore, so it keeps its own copy of `StringProtocol.oneLine`.)
    static func oneLine(_ text: some StringProtocol, limit: Int = 300) -> String {
        var line = String(text.map { $0.isNewline ? " " : $0 })
        if line.count > limit {
            line = String(line.prefix(limit)) + "…"
        }
        return line
    }
}
