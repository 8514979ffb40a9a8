/// Logger metadata keys of this module.
enum OpenSearchLogKey {
    static let operation = "projector.opensearch.operation"
    static let index = "projector.opensearch.index"
    static let method = "projector.opensearch.method"
    static let path = "projector.opensearch.path"
    static let bytes = "projector.opensearch.bytes"
    static let attempt = "projector.opensearch.attempt"
    static let delay = "projector.opensearch.delay"
    static let error = "projector.opensearch.error"
    static let items = "projector.opensearch.items"
}
