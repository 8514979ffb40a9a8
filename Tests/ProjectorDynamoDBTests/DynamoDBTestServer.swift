import AsyncHTTPClient
import Foundation
import Logging
import ProjectorAWS
import ProjectorCore
import ProjectorDynamoDB
import Testing

/// The moto server the integration tests talk to, from `DYNAMODB_ENDPOINT`.
enum DynamoDBTestServer {
    /// The endpoint, or `nil` (test returns early) when it is not set outside CI.
    /// With `PROJECTOR_REQUIRE_SERVERS=1` a missing variable is a test failure.
    static func endpoint() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let endpoint = environment["DYNAMODB_ENDPOINT"], !endpoint.isEmpty {
            return endpoint
        }
        if environment["PROJECTOR_REQUIRE_SERVERS"] == "1" {
            Issue.record("DYNAMODB_ENDPOINT is not set but PROJECTOR_REQUIRE_SERVERS=1")
        }
        return nil
    }

    static let region = ProcessInfo.processInfo.environment["AWS_REGION"] ?? "eu-west-1"
    static let credentials = StaticCredentialProvider(
        AWSCredentials(accessKeyID: "testing", secretAccessKey: "testing"))

    /// A fresh table name nobody else uses.
    static func tableName(_ prefix: String) -> String {
        "\(prefix)_\(UInt64.random(in: 0...UInt64.max).description.prefix(12))"
    }

    /// Runs `body` with a store on a fresh table at `endpoint` (created before, deleted after).
    static func withStore<Result>(
        endpoint: String, prefix: String, retry: RetryPolicy = .default, concurrency: Int = 32,
        _ body: (DynamoDBViewStore) async throws -> Result
    ) async throws -> Result {
        try await HTTPClient.withHTTPClient(
            configuration: DynamoDBClient.httpClientConfiguration(maximumConnections: concurrency)
        ) { http in
            let client = try DynamoDBClient(
                configuration: .init(region: region, endpoint: endpoint, retry: retry), httpClient: http,
                credentials: credentials, logger: Logger(label: "test.dynamodb"))
            let store = DynamoDBViewStore(
                configuration: .init(table: tableName(prefix), maximumConcurrentWrites: concurrency), client: client)
            try await store.ensureTable()
            do {
                let result = try await body(store)
                try await client.deleteTable(store.configuration.table)
                return result
            } catch {
                try? await client.deleteTable(store.configuration.table)
                throw error
            }
        }
    }

    /// A document as the engine would write it: body with `_projector.v`.
    static func document(_ key: String, version: Int, extra: JSONObject = [:]) -> JSONValue {
        var object: JSONObject = ["id": .string(key), "n": .int(version), "_projector": ["v": .int(version)]]
        for (name, value) in extra {
            object[name] = value
        }
        return .object(object)
    }
}
