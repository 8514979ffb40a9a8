public import AsyncHTTPClient
public import Logging
import NIOCore
public import ProjectorAWS
public import ProjectorCore

/// Speaks DynamoDB's JSON protocol (`POST /`, `Content-Type: application/x-amz-json-1.0`,
/// `X-Amz-Target: DynamoDB_20120810.<Operation>`, SigV4 with service `dynamodb`) over one keep-alive
/// `HTTPClient`, retrying throttling, 5xx answers, timeouts and broken connections with full-jitter backoff.
///
/// The client is a plain value: copy it freely. It does not own the `HTTPClient`; create one with
/// ``DynamoDBClient/httpClientConfiguration(maximumConnections:)`` so that enough connections are allowed for the
/// writes in flight, and shut it down when done (e.g. `HTTPClient.withHTTPClient(configuration:) { … }`).
public struct DynamoDBClient: Sendable {
    /// Where DynamoDB is and how patiently to talk to it.
    public struct Configuration: Sendable {
        /// The AWS region, e.g. `eu-west-1` (also the SigV4 signing region).
        public var region: String
        /// An endpoint override such as `http://127.0.0.1:8000` for a local server; `nil` for AWS
        /// (`https://dynamodb.<region>.amazonaws.com`).
        public var endpoint: String?
        /// How transient failures are retried. Default: 8 attempts, waits 0…50 ms doubling up to 0…5 s.
        public var retry: RetryPolicy
        /// The deadline of one HTTP attempt. Default 20 s.
        public var requestTimeout: Duration
        /// The largest answer accepted (a `BatchGetItem` page is at most 16 MB). Default 64 MiB.
        public var maximumResponseBytes: Int
        /// Called before every re-send after a transient failure (a request, or unprocessed keys); the service
        /// counts these in `projector_store_retries_total{store="dynamodb"}`. Default: nothing.
        public var retryObserver: (@Sendable () -> Void)?

        /// Creates a configuration; see the properties for the defaults.
        public init(
            region: String, endpoint: String? = nil, retry: RetryPolicy = .default,
            requestTimeout: Duration = .seconds(20), maximumResponseBytes: Int = 64 * 1024 * 1024
        ) {
            self.region = region
            self.endpoint = endpoint
            self.retry = retry
            self.requestTimeout = requestTimeout
            self.maximumResponseBytes = maximumResponseBytes
        }

        /// The URL requests are posted to.
        public var endpointURL: String {
            guard var endpoint = self.endpoint, !endpoint.isEmpty else {
                return "https://dynamodb.\(self.region).amazonaws.com/"
            }
            if !endpoint.hasSuffix("/") {
                endpoint += "/"
            }
            return endpoint
        }
    }

    /// The configuration this client was made with.
    public let configuration: Configuration
    let httpClient: HTTPClient
    let credentials: any AWSCredentialProvider
    let signer: SigV4Signer
    let logger: Logger

    /// Creates a client. Starts no work and opens no connection.
    /// - Throws: ``DynamoDBError/Code/invalidConfiguration`` when the endpoint is not an http(s) URL.
    public init(
        configuration: Configuration, httpClient: HTTPClient, credentials: any AWSCredentialProvider,
        logger: Logger
    ) throws(DynamoDBError) {
        let url = configuration.endpointURL
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw DynamoDBError(
                code: .invalidConfiguration,
                message: "endpoint '\(url.oneLine(limit: 100))' is not an http(s) URL")
        }
        self.configuration = configuration
        self.httpClient = httpClient
        self.credentials = credentials
        self.signer = SigV4Signer(service: "dynamodb", region: configuration.region)
        self.logger = logger
    }

    /// An `HTTPClient` configuration suited to the client: keep-alive pool of at least `maximumConnections`
    /// connections per host (use the store's write concurrency), connect timeout 5 s. A failed connection
    /// attempt fails the request at once (no silent re-dialling until the deadline): ``send(_:_:table:key:)``
    /// retries it under the ``RetryPolicy``, so an outage surfaces within the retry budget.
    public static func httpClientConfiguration(maximumConnections: Int = 32) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        var pool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, maximumConnections))
        pool.retryConnectionEstablishment = false
        configuration.connectionPool = pool
        configuration.timeout = .init(connect: .seconds(5))
        configuration.decompression = .disabled
        return configuration
    }

    /// Sends one operation and returns the decoded JSON answer, retrying transient failures.
    ///
    /// - Parameters:
    ///   - operation: The DynamoDB operation, e.g. `PutItem`.
    ///   - body: The request document.
    ///   - table: The table concerned (for errors and logs).
    ///   - key: The document key concerned, if one (for errors and logs).
    /// - Throws: ``DynamoDBError`` — `retriesExhausted` past the retry budget, `tableNotFound`,
    ///   `requestRejected` (with ``DynamoDBError/awsCode`` set, e.g. `ConditionalCheckFailedException`),
    ///   `invalidResponse`; `CancellationError` when cancelled; the credential provider's error.
    public func send(_ operation: String, _ body: JSONValue, table: String?, key: String? = nil) async throws
        -> JSONValue
    {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        body.write(to: &bytes)
        let payloadHash = SigV4Signer.payloadHash(of: bytes)
        var retry = self.configuration.retry.start()
        while true {
            try Task.checkCancellation()
            let failure: DynamoDBError
            do {
                return try await self.attempt(operation, bytes: bytes, payloadHash: payloadHash, table: table, key: key)
            } catch let error as DynamoDBAttemptFailure {
                failure = error.error
                guard error.isTransient else { throw error.error }
            }
            switch retry.failed(.transient()) {
            case .giveUp:
                throw DynamoDBError(
                    code: .retriesExhausted,
                    message: "gave up after \(retry.failures) attempts; last: \(failure.message)",
                    operation: operation, table: table, key: key, httpStatus: failure.httpStatus,
                    awsCode: failure.awsCode)
            case .retry(let delay):
                self.configuration.retryObserver?()
                self.logger.debug(
                    "DynamoDB request failed, retrying",
                    metadata: [
                        DynamoDBLogKey.operation: "\(operation)", DynamoDBLogKey.table: "\(table ?? "-")",
                        DynamoDBLogKey.attempt: "\(retry.failures)", DynamoDBLogKey.delay: "\(delay)",
                        DynamoDBLogKey.error: "\(failure)",
                    ])
                try await ContinuousClock().sleep(for: delay)
            }
        }
    }
}

/// Metadata keys of this module's log lines.
enum DynamoDBLogKey {
    static let operation = "projector.dynamodb.operation"
    static let table = "projector.dynamodb.table"
    static let attempt = "projector.dynamodb.attempt"
    static let delay = "projector.dynamodb.delay"
    static let error = "projector.error"
    static let count = "projector.dynamodb.count"
}
