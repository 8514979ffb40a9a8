public import AsyncHTTPClient
import Foundation
public import Logging
import NIOCore
import NIOHTTP1

/// Temporary credentials from STS `AssumeRoleWithWebIdentity`, using the token in a file (EKS IRSA, GitHub OIDC, …).
///
/// Every call reads the token file again (the platform rotates it) and asks STS; wrap the provider in a
/// ``RefreshingCredentialProvider`` (``AWSCredentialChain`` does) so STS is only asked shortly before the
/// credentials expire. The request is unsigned, as the STS API defines it. Transport errors, 5xx, throttling and
/// `IDPCommunicationError` are retried ``Configuration/maxAttempts`` times.
public struct WebIdentityCredentialProvider: AWSCredentialProvider, CustomStringConvertible {
    /// Where and how to assume the role.
    public struct Configuration: Sendable {
        /// The role to assume (`AWS_ROLE_ARN`).
        public var roleARN: String
        /// The file holding the OIDC token (`AWS_WEB_IDENTITY_TOKEN_FILE`).
        public var tokenFile: String
        /// The role session name (`AWS_ROLE_SESSION_NAME`); default `projector-<unix milliseconds>`.
        public var sessionName: String
        /// The STS endpoint URL (`AWS_ENDPOINT_URL_STS`); default the regional endpoint
        /// `https://sts.<region>.amazonaws.com`, or `https://sts.amazonaws.com` without a region.
        public var endpoint: String
        /// The requested lifetime in seconds (STS allows 900…43200); `nil` leaves STS's default of one hour.
        public var durationSeconds: Int?
        /// How long one STS request may take. Default 10 s.
        public var timeout: Duration
        /// How many times to try a retryable failure. Default 3.
        public var maxAttempts: Int

        /// Creates a configuration; see the properties for the defaults.
        public init(
            roleARN: String, tokenFile: String, sessionName: String? = nil, region: String? = nil,
            endpoint: String? = nil, durationSeconds: Int? = nil, timeout: Duration = .seconds(10),
            maxAttempts: Int = 3
        ) {
            self.roleARN = roleARN
            self.tokenFile = tokenFile
            self.sessionName = sessionName ?? "projector-\(Int64(Date().timeIntervalSince1970 * 1000))"
            self.endpoint = endpoint ?? Self.defaultEndpoint(region: region)
            self.durationSeconds = durationSeconds
            self.timeout = timeout
            self.maxAttempts = max(1, maxAttempts)
        }

        /// The configuration described by `AWS_ROLE_ARN`, `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_SESSION_NAME`,
        /// `AWS_ENDPOINT_URL_STS` and `AWS_REGION`/`AWS_DEFAULT_REGION`; `nil` unless the first two are set.
        public init?(environment: [String: String]) {
            guard let roleARN = AWSEnvironment.value(AWSEnvironment.roleARN, in: environment),
                let tokenFile = AWSEnvironment.value(AWSEnvironment.webIdentityTokenFile, in: environment)
            else { return nil }
            self.init(
                roleARN: roleARN, tokenFile: tokenFile,
                sessionName: AWSEnvironment.value(AWSEnvironment.roleSessionName, in: environment),
                region: AWSEnvironment.region(in: environment),
                endpoint: AWSEnvironment.value(AWSEnvironment.stsEndpoint, in: environment)
            )
        }

        /// `https://sts.<region>.amazonaws.com` (`.amazonaws.com.cn` in China), or the global endpoint.
        public static func defaultEndpoint(region: String?) -> String {
            guard let region, !region.isEmpty else { return "https://sts.amazonaws.com" }
            return "https://sts.\(region).amazonaws.com" + (region.hasPrefix("cn-") ? ".cn" : "")
        }
    }

    /// The configuration in use.
    public let configuration: Configuration
    private let httpClient: HTTPClient
    private let logger: Logger

    /// Creates the provider. No request is made until ``credentials()`` is called.
    public init(configuration: Configuration, httpClient: HTTPClient, logger: Logger = Logger(label: "projector.aws")) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.logger = logger
    }

    /// Names the role and the STS endpoint; the token is never printed.
    public var description: String {
        "WebIdentityCredentialProvider(role: \(self.configuration.roleARN), endpoint: \(self.configuration.endpoint))"
    }

    /// Reads the token file and calls `AssumeRoleWithWebIdentity`, retrying transient failures;
    /// throws an ``AWSError`` when the file is unreadable or STS refuses.
    public func credentials() async throws -> AWSCredentials {
        let token = try self.readToken()
        var attempt = 1
        while true {
            do {
                let credentials = try await self.assumeRole(token: token)
                self.logger.debug(
                    "assumed role with web identity",
                    metadata: [
                        AWSLogKey.roleARN: "\(self.configuration.roleARN)",
                        AWSLogKey.accessKeyID: "\(credentials.redactedAccessKeyID)",
                        AWSLogKey.expiration: "\(credentials.expiration.map(AWSTimestamp.iso8601) ?? "none")",
                    ]
                )
                return credentials
            } catch let error as RetryableSTSError where attempt < self.configuration.maxAttempts {
                self.logger.debug(
                    "retrying AssumeRoleWithWebIdentity",
                    metadata: [AWSLogKey.attempt: "\(attempt)", AWSLogKey.error: "\(error.error)"]
                )
                try await Task.sleep(for: .milliseconds(100 << attempt))
                attempt += 1
            } catch let error as RetryableSTSError {
                throw error.error
            }
        }
    }

    private func readToken() throws -> String {
        let path = self.configuration.tokenFile
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AWSError(
                code: .tokenFileUnreadable, message: "cannot read web identity token file \(path)",
                source: "web identity"
            )
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            throw AWSError(
                code: .tokenFileUnreadable, message: "web identity token file \(path) is empty",
                source: "web identity"
            )
        }
        return token
    }

    /// One STS request; failures worth retrying are thrown as ``RetryableSTSError``.
    private func assumeRole(token: String) async throws -> AWSCredentials {
        var form: [(String, String)] = [
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"),
            ("RoleArn", self.configuration.roleARN), ("RoleSessionName", self.configuration.sessionName),
            ("WebIdentityToken", token),
        ]
        if let duration = self.configuration.durationSeconds {
            form.append(("DurationSeconds", String(duration)))
        }
        let body = form.map { URIEncoding.encode($0.0.utf8) + "=" + URIEncoding.encode($0.1.utf8) }
            .joined(separator: "&")
        var request = HTTPClientRequest(url: self.configuration.endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")
        request.headers.add(name: "Accept", value: "text/xml")
        request.body = .bytes(ByteBuffer(string: body))

        let status: Int
        let text: String
        do {
            let response = try await self.httpClient.execute(
                request, timeout: .nanoseconds(self.configuration.timeout.nanoseconds)
            )
            status = Int(response.status.code)
            text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        } catch {
            // Transport errors name the host and the failure, never the request body (where the token is).
            throw RetryableSTSError(
                error: AWSError(
                    code: .stsFailure,
                    message:
                        "cannot reach STS at \(self.configuration.endpoint): \(AWSError.oneLine(String(describing: error)))",
                    source: "web identity"
                )
            )
        }
        guard status == 200 else {
            let (awsCode, message) = STSResponse.error(from: text)
            let error = AWSError(
                code: .stsFailure,
                message: "AssumeRoleWithWebIdentity for \(self.configuration.roleARN) failed"
                    + (message.map { ": " + AWSError.oneLine($0) } ?? ""),
                source: "web identity", httpStatus: status, awsCode: awsCode
            )
            let retryableCodes: Set<String> = ["IDPCommunicationError", "Throttling", "ThrottlingException"]
            if status >= 500 || status == 429 || awsCode.map(retryableCodes.contains) == true {
                throw RetryableSTSError(error: error)
            }
            throw error
        }
        return try STSResponse.credentials(from: text)
    }
}

/// Wraps an STS failure that another attempt may fix.
private struct RetryableSTSError: Error {
    var error: AWSError
}
