/// Always returns the same credentials (tests, or keys read once from configuration).
public struct StaticCredentialProvider: AWSCredentialProvider, CustomStringConvertible {
    /// The credentials returned by ``credentials()``.
    public let fixedCredentials: AWSCredentials

    /// Creates a provider that returns `credentials`.
    public init(_ credentials: AWSCredentials) {
        self.fixedCredentials = credentials
    }

    /// Returns ``fixedCredentials``; never throws.
    public func credentials() async throws -> AWSCredentials {
        self.fixedCredentials
    }

    /// Names the type with the redacted credentials.
    public var description: String { "StaticCredentialProvider(\(self.fixedCredentials))" }
}
