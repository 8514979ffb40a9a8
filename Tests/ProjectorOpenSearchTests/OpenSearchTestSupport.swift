import AsyncHTTPClient
import Logging
import ProjectorCore
import ProjectorTesting

@testable import ProjectorOpenSearch

/// Clients and names for the integration tests against osmem-server (`OPENSEARCH_URL`).
enum OpenSearchTesting {
    /// Warnings and worse only.
    static var logger: Logger {
        var logger = Logger(label: "projector.test.opensearch")
        logger.logLevel = .warning
        return logger
    }

    /// Fast retries for tests: 5 attempts, waits of at most 5…40 ms.
    static let fastRetry = RetryPolicy(maxAttempts: 5, baseDelay: .milliseconds(5), maxDelay: .milliseconds(40))

    /// A fresh index/alias name for one test.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(TestServers.uniqueSuffix())"
    }

    /// Runs `body` with a client on `OPENSEARCH_URL` (or on `url`); returns `nil` when the server is not
    /// configured outside CI.
    @discardableResult
    static func withClient<Result>(
        url: String? = nil, retry: RetryPolicy = fastRetry, _ body: (OpenSearchClient) async throws -> Result
    ) async throws -> Result? {
        guard let target = try url ?? TestServers.openSearchURL() else { return nil }
        let configuration = OpenSearchClient.Configuration(url: target, requestTimeout: .seconds(30), retry: retry)
        return try await OpenSearchClient.withClient(configuration: configuration, logger: logger, body)
    }

    /// Creates `index` with `mappings`, runs `body`, deletes the index (also when `body` throws).
    static func withIndex<Result>(
        _ client: OpenSearchClient, prefix: String, mappings: JSONValue? = nil,
        _ body: (String) async throws -> Result
    ) async throws -> Result {
        let admin = OpenSearchAdmin(client: client)
        let index = uniqueName(prefix)
        try await admin.createIndex(index, mappings: mappings)
        do {
            let result = try await body(index)
            try await admin.deleteIndices([index])
            return result
        } catch {
            try? await admin.deleteIndices([index])
            throw error
        }
    }

    /// `count` documents `{"id": key, "n": i, "_projector": {...}}` keyed `doc-<i>`.
    static func documents(_ count: Int, tag: String = "v1") -> [(key: String, body: JSONValue)] {
        (0..<count).map { i in
            let key = "doc-\(i)"
            let body: JSONValue = [
                "id": .string(key), "n": .int(i), "tag": .string(tag),
                "_projector": ["streams": .object(JSONObject([(key, .int(1))]))],
            ]
            return (key, body)
        }
    }
}
