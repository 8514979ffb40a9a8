import Foundation

/// The environment variables the AWS SDKs use, and helpers to read them.
public enum AWSEnvironment {
    public static let accessKeyID = "AWS_ACCESS_KEY_ID"
    public static let secretAccessKey = "AWS_SECRET_ACCESS_KEY"
    public static let sessionToken = "AWS_SESSION_TOKEN"
    /// Optional ISO 8601 expiration of the environment's temporary credentials (as botocore reads it).
    public static let credentialExpiration = "AWS_CREDENTIAL_EXPIRATION"
    public static let region = "AWS_REGION"
    public static let defaultRegion = "AWS_DEFAULT_REGION"
    public static let roleARN = "AWS_ROLE_ARN"
    public static let webIdentityTokenFile = "AWS_WEB_IDENTITY_TOKEN_FILE"
    public static let roleSessionName = "AWS_ROLE_SESSION_NAME"
    /// Overrides the STS endpoint (the SDKs' service-specific endpoint variable).
    public static let stsEndpoint = "AWS_ENDPOINT_URL_STS"

    /// The process environment.
    public static var current: [String: String] { ProcessInfo.processInfo.environment }

    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `nil`.
    public static func region(in environment: [String: String]) -> String? {
        self.value(self.region, in: environment) ?? self.value(self.defaultRegion, in: environment)
    }

    /// The variable's value with surrounding white space removed; `nil` when unset or empty.
    static func value(_ name: String, in environment: [String: String]) -> String? {
        guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            return nil
        }
        return value
    }
}
