public import ProjectorCore
import ProjectorDynamoDB
import ProjectorOpenSearch

extension ViewStores {
    /// `error` from setting up `projection`'s store, reworded when the store could not be reached at all (no HTTP
    /// answer): one line naming the store's URL and the cause in a few words. Other errors are returned unchanged.
    func namingUnreachableStore(_ error: any Error, for projection: Projection) -> any Error {
        Self.namingUnreachableStore(
            error, openSearchURL: openSearch?.configuration.url, dynamoDBURL: dynamoDBClient?.configuration.endpointURL,
            projection: projection.name)
    }

    /// As ``namingUnreachableStore(_:for:)``, with the stores' URLs from `configuration` (for errors that reach a
    /// command after the stores were closed).
    public static func namingUnreachableStore(
        _ error: any Error, configuration: ProjectorConfiguration, projection: String? = nil
    ) -> any Error {
        namingUnreachableStore(
            error, openSearchURL: configuration.openSearch.url, dynamoDBURL: configuration.dynamoDB.endpoint,
            projection: projection)
    }

    static func namingUnreachableStore(
        _ error: any Error, openSearchURL: String?, dynamoDBURL: String?, projection: String?
    ) -> any Error {
        switch error {
        case let error as OpenSearchError where error.code == .unavailable && error.status == nil:
            return RuntimeError(
                .targetUnavailable,
                "OpenSearch at \(openSearchURL ?? "opensearch.url") cannot be reached: \(Self.cause(error.message))",
                projection: projection)
        case let error as DynamoDBError where error.code == .retriesExhausted && error.message.contains("transport"):
            return RuntimeError(
                .targetUnavailable,
                "DynamoDB at \(dynamoDBURL ?? "AWS's endpoint") cannot be reached: \(Self.cause(error.message))",
                projection: projection)
        default:
            return error
        }
    }

    /// The transport failure in a few words (the HTTP client's descriptions are long and nested).
    static func cause(_ text: String) -> String {
        let known: [(needle: String, cause: String)] = [
            ("Connection refused", "connection refused (is it running and listening there?)"),
            ("UnknownHost", "unknown host name"),
            ("Name or service not known", "unknown host name"),
            ("certificate", "TLS certificate verification failed"),
            ("handshake", "TLS handshake failed"),
            ("imed out", "timed out"),
            ("Timeout", "timed out"),
        ]
        return known.first { text.contains($0.needle) }?.cause ?? text.oneLine()
    }
}
