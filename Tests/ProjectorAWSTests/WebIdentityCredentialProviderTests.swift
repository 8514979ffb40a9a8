import Foundation
import Testing

@testable import ProjectorAWS

@Suite(.timeLimit(.minutes(1))) struct WebIdentityCredentialProviderTests {
    static let webIdentityToken = "eyJhbGciOiJSUzI1NiJ9.SECRET-WEB-IDENTITY-TOKEN.c2lnbmF0dXJl"
    static let roleARN = "arn:aws:iam::123456789012:role/projector-test"

    /// Writes the token to a fresh temporary file and returns its path.
    static func tokenFile(_ contents: String = webIdentityToken + "\n") throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("projector-aws-token-\(UUID().uuidString)").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func assumesARoleThroughMotoSTS() async throws {
        guard let endpoint = serverEndpoint("DYNAMODB_ENDPOINT") else { return }
        let tokenFile = try Self.tokenFile()
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        try await withHTTPClient { client in
            let provider = WebIdentityCredentialProvider(
                configuration: .init(
                    roleARN: Self.roleARN, tokenFile: tokenFile, sessionName: "projector-test", endpoint: endpoint,
                    durationSeconds: 900
                ),
                httpClient: client
            )
            let credentials = try await provider.credentials()
            #expect(credentials.accessKeyID.hasPrefix("ASIA"))
            #expect(!credentials.secretAccessKey.isEmpty)
            #expect(credentials.sessionToken?.isEmpty == false)
            #expect(credentials.expiration != nil)
            #expect(!provider.description.contains(Self.webIdentityToken))
        }
    }

    @Test func theDefaultChainUsesWebIdentityAndRefreshes() async throws {
        guard let endpoint = serverEndpoint("DYNAMODB_ENDPOINT") else { return }
        let tokenFile = try Self.tokenFile()
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        try await withHTTPClient { client in
            let provider = AWSCredentialChain.default(
                environment: [
                    "AWS_ROLE_ARN": Self.roleARN, "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile,
                    "AWS_ENDPOINT_URL_STS": endpoint, "AWS_REGION": "eu-west-1",
                ],
                httpClient: client
            )
            let first = try await provider.credentials()
            let second = try await provider.credentials()
            #expect(first == second, "cached until shortly before expiry")
            #expect(first.accessKeyID.hasPrefix("ASIA"))
            await (provider as? RefreshingCredentialProvider)?.invalidate()
            let third = try await provider.credentials()
            #expect(third.accessKeyID != first.accessKeyID, "moto issues new keys per AssumeRoleWithWebIdentity")
        }
    }

    @Test func anSTSRefusalIsAClearErrorAndNotRetried() async throws {
        let server = try CannedHTTPServer(
            status: 400,
            body: """
                <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>\
                <Code>InvalidIdentityToken</Code><Message>Couldn&apos;t retrieve verification key from your identity \
                provider</Message></Error><RequestId>r1</RequestId></ErrorResponse>
                """
        )
        defer { server.stop() }
        let tokenFile = try Self.tokenFile()
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        try await withHTTPClient { client in
            let provider = WebIdentityCredentialProvider(
                configuration: .init(roleARN: Self.roleARN, tokenFile: tokenFile, endpoint: server.url),
                httpClient: client
            )
            let error = try await #require(throws: AWSError.self) { try await provider.credentials() }
            #expect(error.code == .stsFailure)
            #expect(error.httpStatus == 400)
            #expect(error.awsCode == "InvalidIdentityToken")
            #expect(error.description.contains("Couldn't retrieve verification key"))
            #expect(error.description.contains(Self.roleARN))
            #expect(!error.description.contains(Self.webIdentityToken))
            #expect(try await server.requestCount(using: client) == 1)
        }
    }

    @Test func serverErrorsAreRetried() async throws {
        let server = try CannedHTTPServer(
            status: 503, body: "<ErrorResponse><Error><Code>ServiceUnavailable</Code></Error></ErrorResponse>"
        )
        defer { server.stop() }
        let tokenFile = try Self.tokenFile()
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        try await withHTTPClient { client in
            let provider = WebIdentityCredentialProvider(
                configuration: .init(roleARN: Self.roleARN, tokenFile: tokenFile, endpoint: server.url, maxAttempts: 2),
                httpClient: client
            )
            let error = try await #require(throws: AWSError.self) { try await provider.credentials() }
            #expect(error.code == .stsFailure)
            #expect(error.awsCode == "ServiceUnavailable")
            #expect(try await server.requestCount(using: client) == 2)
        }
    }

    @Test func anUnreachableEndpointIsAClearError() async throws {
        let tokenFile = try Self.tokenFile()
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        try await withHTTPClient { client in
            let provider = WebIdentityCredentialProvider(
                configuration: .init(
                    roleARN: Self.roleARN, tokenFile: tokenFile, endpoint: "http://127.0.0.1:1/",
                    timeout: .seconds(1), maxAttempts: 1
                ),
                httpClient: client
            )
            let error = try await #require(throws: AWSError.self) { try await provider.credentials() }
            #expect(error.code == .stsFailure)
            #expect(error.description.contains("cannot reach STS at http://127.0.0.1:1/"))
        }
    }

    @Test func anEmptyTokenFileIsAClearError() async throws {
        let tokenFile = try Self.tokenFile("\n")
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        try await withHTTPClient { client in
            let provider = WebIdentityCredentialProvider(
                configuration: .init(roleARN: Self.roleARN, tokenFile: tokenFile, endpoint: "http://127.0.0.1:1/"),
                httpClient: client
            )
            let error = try await #require(throws: AWSError.self) { try await provider.credentials() }
            #expect(error.code == .tokenFileUnreadable)
            #expect(error.description.contains("is empty"))
        }
    }
}
