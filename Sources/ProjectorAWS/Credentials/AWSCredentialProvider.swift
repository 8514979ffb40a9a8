/// Something that supplies AWS credentials, e.g. from the environment or from STS.
///
/// Providers that fetch temporary credentials are usually wrapped in a ``RefreshingCredentialProvider`` so that
/// callers may ask for credentials before every request.
public protocol AWSCredentialProvider: Sendable {
    /// Returns credentials that are valid now, or throws an ``AWSError``.
    func credentials() async throws -> AWSCredentials

    /// Forgets cached credentials, so that the next ``credentials()`` fetches new ones. Call it when a service
    /// answers that the token has expired (``AWSError/expiredToken(status:body:source:)``) before their stated
    /// expiration. The default does nothing (providers without a cache).
    func invalidateCredentials() async
}

extension AWSCredentialProvider {
    /// Does nothing: a provider without a cache has nothing to forget.
    public func invalidateCredentials() async {}
}
