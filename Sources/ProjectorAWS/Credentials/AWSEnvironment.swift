import Foundation

/// The environment variables the AWS SDKs use, and helpers to read them.
public enum AWSEnvironment {
    /// The access key ID variable.
    public static let accessKeyID = "AWS_ACCESS_KEY_ID"
    /// The secret access key variable.
    public static let secretAccessKey = "AWS_SECRET_ACCESS_KEY"
    /// The session token variable of temporary credentials.
    public static let sessionToken = "AWS_SESSION_TOKEN"
    /// Optional ISO 8601 expiration of the environment's temporary credentials (as botocore reads it).
    public static let credentialExpiration = "AWS_CREDENTIAL_EXPIRATION"
    /// The region variable; takes precedence over ``defaultRegion``.
    public static let region = "AWS_REGION"
    /// The fallback region variable, read when ``region`` is unset.
    public static let defaultRegion = "AWS_DEFAULT_REGION"
    /// The role to assume with a web identity token.
    public static let roleARN = "AWS_ROLE_ARN"
    /// The file holding the web identity (OIDC) token.
    public static let webIdentityTokenFile = "AWS_WEB_IDENTITY_TOKEN_FILE"
    /// The session name for `AssumeRoleWithWebIdentity`.
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
