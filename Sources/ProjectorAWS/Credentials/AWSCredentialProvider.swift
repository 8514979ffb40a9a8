/// Something that supplies AWS credentials, e.g. from the environment or from STS.
///
/// Providers that fetch temporary credentials are usually wrapped in a ``RefreshingCredentialProvider`` so that
/// callers may ask for credentials before every request.
public protocol AWSCredentialProvider: Sendable {
    /// Returns credentials that are valid now, or throws an ``AWSError``.
    func credentials() async throws -> AWSCredentials
}
