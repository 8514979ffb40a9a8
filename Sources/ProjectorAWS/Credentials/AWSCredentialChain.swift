public import AsyncHTTPClient
public import Logging

/// Chooses where credentials come from, the way the AWS SDKs do for a service running in a container.
public enum AWSCredentialChain {
    /// Web identity (`AWS_ROLE_ARN` + `AWS_WEB_IDENTITY_TOKEN_FILE`, STS, refreshed before expiry) when both
    /// variables are set, otherwise the access keys in the environment (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`).
    ///
    /// Nothing is read or requested until the provider is first asked; missing credentials are reported then as
    /// ``AWSError/Code-swift.struct/missingCredentials``.
    public static func `default`(
        environment: [String: String] = AWSEnvironment.current, httpClient: HTTPClient,
        logger: Logger = Logger(label: "projector.aws")
    ) -> any AWSCredentialProvider {
        if let configuration = WebIdentityCredentialProvider.Configuration(environment: environment) {
            logger.debug(
                "AWS credentials from web identity",
                metadata: [AWSLogKey.provider: "web identity", AWSLogKey.roleARN: "\(configuration.roleARN)"]
            )
            return RefreshingCredentialProvider(
                wrapping: WebIdentityCredentialProvider(
                    configuration: configuration, httpClient: httpClient, logger: logger
                ),
                logger: logger
            )
        }
        logger.debug("AWS credentials from the environment", metadata: [AWSLogKey.provider: "environment"])
        return EnvironmentCredentialProvider(environment: environment)
    }
}
