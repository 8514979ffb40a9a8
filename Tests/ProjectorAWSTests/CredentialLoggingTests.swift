import Foundation
import Logging
import Testing

@testable import ProjectorAWS

/// TESTPLAN 28: logs, at every level, never contain secret keys, session tokens or web identity tokens.
@Suite(.timeLimit(.minutes(1))) struct CredentialLoggingTests {
    @Test func webIdentityAndRefreshLogNoSecrets() async throws {
        guard let endpoint = serverEndpoint("DYNAMODB_ENDPOINT") else { return }
        let tokenFile = try WebIdentityCredentialProviderTests.tokenFile()
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let lines = CapturingLogHandler.Lines()
        let logger = CapturingLogHandler.logger(lines)
        let clock = TestClock(Date())
        let credentials = try await withHTTPClient { client in
            let chain = AWSCredentialChain.default(
                environment: [
                    "AWS_ROLE_ARN": WebIdentityCredentialProviderTests.roleARN,
                    "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ENDPOINT_URL_STS": endpoint,
                ],
                httpClient: client, logger: logger
            )
            let webIdentity = try #require(chain as? RefreshingCredentialProvider)
            // The same provider behind a refreshing cache with a test clock, to log a refresh and a failure too.
            let refreshing = RefreshingCredentialProvider(
                wrapping: webIdentity, now: { clock.now }, logger: logger
            )
            let credentials = try await refreshing.credentials()
            try FileManager.default.removeItem(atPath: tokenFile)  // the next refresh fails
            clock.advance(by: credentials.expiration.map { $0.timeIntervalSince(clock.now) - 60 } ?? 0)
            await webIdentity.invalidate()
            #expect(try await refreshing.credentials() == credentials, "falls back to the valid credentials")
            return credentials
        }
        let secrets = [
            credentials.secretAccessKey, try #require(credentials.sessionToken),
            WebIdentityCredentialProviderTests.webIdentityToken, String(credentials.accessKeyID.dropFirst(4)),
        ]
        let text = lines.all.joined(separator: "\n")
        #expect(text.contains("assumed role with web identity"))
        #expect(text.contains("refreshing AWS credentials failed"))
        for secret in secrets {
            #expect(!text.contains(secret))
        }
    }
}
