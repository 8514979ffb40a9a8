import Foundation

/// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and optionally `AWS_SESSION_TOKEN` and
/// `AWS_CREDENTIAL_EXPIRATION`.
public struct EnvironmentCredentialProvider: AWSCredentialProvider, CustomStringConvertible {
    private let environment: [String: String]

    /// Reads from `environment` (pass ``AWSEnvironment/current`` for the process environment).
    public init(environment: [String: String] = AWSEnvironment.current) {
        self.environment = environment
    }

    /// The credentials, or ``AWSError/Code-swift.struct/missingCredentials`` naming the variable that is missing.
    public func credentials() async throws -> AWSCredentials {
        let keyID = AWSEnvironment.value(AWSEnvironment.accessKeyID, in: self.environment)
        let secret = AWSEnvironment.value(AWSEnvironment.secretAccessKey, in: self.environment)
        guard let keyID, let secret else {
            let message =
                switch (keyID, secret) {
                case (nil, nil):
                    "no AWS credentials: set \(AWSEnvironment.accessKeyID) and \(AWSEnvironment.secretAccessKey) "
                        + "(or \(AWSEnvironment.roleARN) and \(AWSEnvironment.webIdentityTokenFile))"
                case (nil, _):
                    "\(AWSEnvironment.accessKeyID) is not set but \(AWSEnvironment.secretAccessKey) is"
                default:
                    "\(AWSEnvironment.secretAccessKey) is not set but \(AWSEnvironment.accessKeyID) is"
                }
            throw AWSError(code: .missingCredentials, message: message, source: "environment")
        }
        var expiration: Date?
        if let text = AWSEnvironment.value(AWSEnvironment.credentialExpiration, in: self.environment) {
            guard let date = AWSTimestamp.parseISO8601(text) else {
                throw AWSError(
                    code: .invalidConfiguration,
                    message:
                        "\(AWSEnvironment.credentialExpiration) is not an ISO 8601 time: \(AWSError.oneLine(text, limit: 40))",
                    source: "environment"
                )
            }
            expiration = date
        }
        return AWSCredentials(
            accessKeyID: keyID, secretAccessKey: secret,
            sessionToken: AWSEnvironment.value(AWSEnvironment.sessionToken, in: self.environment),
            expiration: expiration
        )
    }

    /// The type name only; the environment's values are never printed.
    public var description: String { "EnvironmentCredentialProvider" }
}
