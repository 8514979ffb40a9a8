import ProjectorCore
import ProjectorDynamoDB
import ProjectorOpenSearch

extension ViewStores {
    /// `error` from setting up `projection`'s store, reworded when the store could not be reached at all (no HTTP
    /// answer): one line naming the store's URL and the cause in a few words. Other errors are returned unchanged.
    func namingUnreachableStore(_ error: any Error, for projection: Projection) -> any Error {
        switch error {
        case let error as OpenSearchError where error.code == .unavailable && error.status == nil:
            let url = openSearch?.configuration.url ?? "opensearch.url"
            return RuntimeError(
                .targetUnavailable, "OpenSearch at \(url) cannot be reached: \(Self.cause(error.message))",
                projection: projection.name)
        case let error as DynamoDBError where error.code == .retriesExhausted && error.message.contains("transport"):
            let url = dynamoDBClient?.configuration.endpointURL ?? "dynamodb.endpoint"
            return RuntimeError(
                .targetUnavailable, "DynamoDB at \(url) cannot be reached: \(Self.cause(error.message))",
                projection: projection.name)
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
