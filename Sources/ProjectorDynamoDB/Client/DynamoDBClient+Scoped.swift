public import AsyncHTTPClient
public import Logging
public import ProjectorAWS

extension DynamoDBClient {
    /// Runs `body` with a client over a new `HTTPClient` sized for `maximumConnections` requests in flight, and
    /// shuts the `HTTPClient` down afterwards, whether `body` throws or not.
    public static func withClient<Result>(
        configuration: Configuration, credentials: any AWSCredentialProvider, maximumConnections: Int = 32,
        logger: Logger, isolation: isolated (any Actor)? = #isolation,
        _ body: (DynamoDBClient) async throws -> Result
    ) async throws -> Result {
        try await HTTPClient.withHTTPClient(
            configuration: self.httpClientConfiguration(maximumConnections: maximumConnections),
            backgroundActivityLogger: logger
        ) { httpClient in
            let client = try DynamoDBClient(
                configuration: configuration, httpClient: httpClient, credentials: credentials, logger: logger)
            return try await body(client)
        }
    }
}
