import Foundation
import Testing

@testable import ProjectorAWS

@Suite struct CredentialProviderTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let token = "IQoJb3JpZ2luX2VjSECRETTOKEN"

    @Test func environmentProviderReadsTheKeys() async throws {
        let credentials = try await EnvironmentCredentialProvider(environment: [
            "AWS_ACCESS_KEY_ID": " AKIDEXAMPLE\n", "AWS_SECRET_ACCESS_KEY": Self.secret,
            "AWS_SESSION_TOKEN": Self.token, "AWS_CREDENTIAL_EXPIRATION": "2030-01-01T00:00:00Z",
        ]).credentials()
        #expect(credentials.accessKeyID == "AKIDEXAMPLE")
        #expect(credentials.secretAccessKey == Self.secret)
        #expect(credentials.sessionToken == Self.token)
        #expect(credentials.expiration == AWSTimestamp.parseISO8601("2030-01-01T00:00:00Z"))

        let longTerm = try await EnvironmentCredentialProvider(environment: [
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": Self.secret, "AWS_SESSION_TOKEN": "",
        ]).credentials()
        #expect(longTerm.sessionToken == nil)
        #expect(longTerm.expiration == nil)
    }

    @Test(arguments: [
        ([:], "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
        (["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE"], "AWS_SECRET_ACCESS_KEY is not set"),
        (["AWS_SECRET_ACCESS_KEY": secret], "AWS_ACCESS_KEY_ID is not set"),
        (["AWS_ACCESS_KEY_ID": "  ", "AWS_SECRET_ACCESS_KEY": ""], "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
    ])
    func environmentProviderNamesWhatIsMissing(environment: [String: String], expected: String) async throws {
        let error = try await #require(throws: AWSError.self) {
            try await EnvironmentCredentialProvider(environment: environment).credentials()
        }
        #expect(error.code == .missingCredentials)
        #expect(error.description.contains(expected))
        #expect(!error.description.contains(Self.secret))
    }

    @Test func environmentProviderRejectsABadExpiration() async throws {
        let error = try await #require(throws: AWSError.self) {
            try await EnvironmentCredentialProvider(environment: [
                "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": Self.secret,
                "AWS_CREDENTIAL_EXPIRATION": "tomorrow",
            ]).credentials()
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.description.contains("AWS_CREDENTIAL_EXPIRATION"))
    }

    @Test func staticProviderReturnsItsCredentials() async throws {
        let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: Self.secret)
        #expect(try await StaticCredentialProvider(credentials).credentials() == credentials)
    }

    @Test func credentialsNeverShowSecrets() {
        let credentials = AWSCredentials(
            accessKeyID: "ASIAIOSFODNN7EXAMPLE", secretAccessKey: Self.secret, sessionToken: Self.token,
            expiration: Date(timeIntervalSince1970: 1_440_938_160)
        )
        var dumped = ""
        dump(credentials, to: &dumped)
        let renderings = [
            credentials.description, credentials.debugDescription, "\(credentials)", String(reflecting: credentials),
            dumped, "\([credentials])", "\(Optional(credentials) as Any)",
            StaticCredentialProvider(credentials).description,
            EnvironmentCredentialProvider(environment: ["AWS_SECRET_ACCESS_KEY": Self.secret]).description,
        ]
        for text in renderings {
            #expect(!text.contains(Self.secret), "\(text)")
            #expect(!text.contains(Self.token), "\(text)")
            #expect(!text.contains("IOSFODNN7EXAMPLE"), "\(text)")
        }
        #expect(credentials.description.contains("ASIA…"))
        #expect(credentials.description.contains("2015-08-30T12:36:00Z"))
    }

    @Test func chainPrefersWebIdentity() async throws {
        try await withHTTPClient { client in
            let webIdentity = AWSCredentialChain.default(
                environment: [
                    "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/r", "AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent",
                    "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": Self.secret,
                ],
                httpClient: client
            )
            #expect(webIdentity is RefreshingCredentialProvider)
            let error = try await #require(throws: AWSError.self) { try await webIdentity.credentials() }
            #expect(error.code == .tokenFileUnreadable)
            #expect(error.description.contains("/nonexistent"))

            let keys = AWSCredentialChain.default(
                environment: [
                    "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/r", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
                    "AWS_SECRET_ACCESS_KEY": Self.secret,
                ],
                httpClient: client
            )
            #expect(keys is EnvironmentCredentialProvider)
            #expect(try await keys.credentials().accessKeyID == "AKIDEXAMPLE")
        }
    }

    @Test func webIdentityConfigurationFromTheEnvironment() {
        #expect(WebIdentityCredentialProvider.Configuration(environment: ["AWS_ROLE_ARN": "arn"]) == nil)
        let configuration = WebIdentityCredentialProvider.Configuration(environment: [
            "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/r", "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token",
            "AWS_DEFAULT_REGION": "eu-central-1", "AWS_ROLE_SESSION_NAME": "me",
        ])
        #expect(configuration?.endpoint == "https://sts.eu-central-1.amazonaws.com")
        #expect(configuration?.sessionName == "me")
        #expect(configuration?.tokenFile == "/var/run/token")
        let china = WebIdentityCredentialProvider.Configuration(environment: [
            "AWS_ROLE_ARN": "arn", "AWS_WEB_IDENTITY_TOKEN_FILE": "/t", "AWS_REGION": "cn-north-1",
            "AWS_DEFAULT_REGION": "eu-central-1",
        ])
        #expect(china?.endpoint == "https://sts.cn-north-1.amazonaws.com.cn")
        #expect(china?.sessionName.hasPrefix("projector-") == true)
        let overridden = WebIdentityCredentialProvider.Configuration(environment: [
            "AWS_ROLE_ARN": "arn", "AWS_WEB_IDENTITY_TOKEN_FILE": "/t", "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1",
        ])
        #expect(overridden?.endpoint == "http://127.0.0.1:1")
        #expect(WebIdentityCredentialProvider.Configuration.defaultEndpoint(region: nil) == "https://sts.amazonaws.com")
    }
}
