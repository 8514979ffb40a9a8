public import AsyncHTTPClient
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import ProjectorAWS
import ProjectorCore

/// The connection to one OpenSearch cluster: base URL, authentication, retries, over a shared `HTTPClient`
/// (keep-alive connection pool).
///
/// The client does not own the `HTTPClient` it is given: whoever created it shuts it down. Use
/// ``withClient(configuration:logger:_:)`` to have one created and shut down around a closure.
/// Whole requests that fail with a connection error, a timeout, 408, 429 or a 5xx are re-sent under the
/// configured ``RetryPolicy`` (every write this module sends is conditional, so a re-sent request is idempotent).
public struct OpenSearchClient: Sendable {
    /// The configuration this client was made with.
    public let configuration: Configuration
    let httpClient: HTTPClient
    let logger: Logger
    /// The base URL without a trailing slash.
    let baseURL: String
    let signer: SigV4Signer?

    /// Creates a client over `httpClient` (which the caller owns and shuts down). Starts no work.
    ///
    /// - Throws: ``OpenSearchError`` with code `invalidConfiguration` when the URL is not `http(s)://host…`.
    public init(configuration: Configuration, httpClient: HTTPClient, logger: Logger) throws(OpenSearchError) {
        var base = configuration.url
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            throw OpenSearchError(
                code: .invalidConfiguration, operation: "configure",
                message: "opensearch.url must be an http(s) URL with a host")
        }
        guard url.user == nil, url.password == nil else {
            throw OpenSearchError(
                code: .invalidConfiguration, operation: "configure",
                message: "opensearch.url must not carry credentials; configure username/password instead")
        }
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
        self.baseURL = base
        if case .sigV4(let region, let service, _) = configuration.authentication {
            self.signer = SigV4Signer(service: service, region: region)
        } else {
            self.signer = nil
        }
    }

    /// Creates an `HTTPClient` for `configuration`, runs `body` with a client over it, and shuts the
    /// `HTTPClient` down afterwards, whether `body` throws or not.
    public static func withClient<Result>(
        configuration: Configuration, logger: Logger, _ body: (OpenSearchClient) async throws -> Result
    ) async throws -> Result {
        let httpConfiguration = try Self.httpClientConfiguration(for: configuration)
        return try await HTTPClient.withHTTPClient(configuration: httpConfiguration, backgroundActivityLogger: logger) {
            httpClient in
            try await body(OpenSearchClient(configuration: configuration, httpClient: httpClient, logger: logger))
        }
    }

    /// Sends `request`, re-sending it on transport errors and retryable statuses. Returns the first response with
    /// any other status (2xx, 3xx, 4xx other than 408/429); the caller interprets it.
    ///
    /// - Throws: ``OpenSearchError`` `unavailable` when the budget is spent, `requestFailed` for a permanent
    ///   transport error (bad TLS certificate…), `CancellationError` when cancelled.
    func send(_ request: OpenSearchRequest) async throws -> OpenSearchResponse {
        let url = self.baseURL + request.target
        let payloadHash = self.signer.map { _ in SigV4Signer.payloadHash(of: request.body ?? []) }
        let body = request.body.map { ByteBuffer(bytes: $0) }
        var retry = self.configuration.retry.start()
        while true {
            let failure: RetryPolicy.Failure
            let lastError: OpenSearchError
            do {
                let response = try await self.execute(request, url: url, body: body, payloadHash: payloadHash)
                guard RetryPolicy.Failure.isTransient(httpStatus: response.status) else { return response }
                failure = .transient(minimumDelay: response.retryAfter)
                lastError = OpenSearchError(
                    code: .unavailable, operation: request.operation, index: request.index, status: response.status,
                    message: response.errorSummary())
            } catch {
                if error is CancellationError || Task.isCancelled { throw CancellationError() }
                let transient = Self.isTransient(transportError: error)
                failure = transient ? .transient() : .permanent
                lastError = OpenSearchError(
                    code: transient ? .unavailable : .requestFailed, operation: request.operation,
                    index: request.index, message: "\(error)")
            }
            switch retry.failed(failure) {
            case .giveUp:
                throw lastError
            case .retry(let delay):
                self.configuration.retryObserver?()
                self.logger.info(
                    "OpenSearch request failed, retrying",
                    metadata: [
                        OpenSearchLogKey.operation: "\(request.operation)",
                        OpenSearchLogKey.index: "\(request.index ?? "-")",
                        OpenSearchLogKey.attempt: "\(retry.failures)",
                        OpenSearchLogKey.delay: "\(delay)",
                        OpenSearchLogKey.error: "\(lastError)",
                    ])
                try await Task.sleep(for: delay)
            }
        }
    }

    private func execute(
        _ request: OpenSearchRequest, url: String, body: ByteBuffer?, payloadHash: String?
    ) async throws -> OpenSearchResponse {
        var httpRequest = HTTPClientRequest(url: url)
        httpRequest.method = request.method
        httpRequest.headers.add(name: "Accept", value: "application/json")
        if let body {
            httpRequest.headers.add(name: "Content-Type", value: request.contentType)
            httpRequest.body = .bytes(body)
        }
        switch self.configuration.authentication {
        case .none:
            break
        case .basic(let username, let password):
            httpRequest.setBasicAuth(username: username, password: password)
        case .sigV4(_, _, let provider):
            guard let signer = self.signer, let payloadHash else { break }
            let credentials = try await provider.credentials()
            var headers: [(String, String)] = [("Accept", "application/json")]
            if body != nil { headers.append(("Content-Type", request.contentType)) }
            let signed = signer.signedHeaders(
                method: request.method.rawValue, url: url, headers: headers, payloadHash: payloadHash,
                credentials: credentials, date: Date(), includeContentHash: true)
            for (name, value) in signed where !httpRequest.headers.contains(name: name) {
                httpRequest.headers.add(name: name, value: value)
            }
        }
        self.logger.trace(
            "OpenSearch request",
            metadata: [
                OpenSearchLogKey.operation: "\(request.operation)", OpenSearchLogKey.method: "\(request.method)",
                OpenSearchLogKey.path: "\(request.path)", OpenSearchLogKey.bytes: "\(request.body?.count ?? 0)",
            ])
        let response = try await self.httpClient.execute(
            httpRequest, timeout: TimeAmount(self.configuration.requestTimeout),
            logger: self.logger)
        let responseBody = try await response.body.collect(upTo: self.configuration.maximumResponseBytes)
        var result = OpenSearchResponse(status: Int(response.status.code), body: responseBody)
        if let value = response.headers.first(name: "Retry-After"), let seconds = Int(value), seconds >= 0 {
            result.retryAfter = .seconds(min(seconds, 60))
        }
        return result
    }

    /// Connection refused/reset, timeouts and closed connections are worth another attempt; malformed URLs,
    /// a shut-down client, TLS failures (untrusted certificate), credential errors and oversized responses
    /// are not.
    static func isTransient(transportError error: any Error) -> Bool {
        if let error = error as? HTTPClientError {
            let permanent: [HTTPClientError] = [
                .invalidURL, .emptyHost, .emptyScheme, .alreadyShutdown, .missingSocketPath,
                .traceRequestWithBody, .cancelled,
            ]
            return !permanent.contains(error)
        }
        return !(error is NIOSSLError || error is BoringSSLError || error is AWSError || error is NIOTooManyBytesError)
    }
}
