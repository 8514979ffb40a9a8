import AsyncHTTPClient
import Logging
import ProjectorCore
import ProjectorDynamoDB
import Testing

/// Throttling, 5xx, UnprocessedKeys and permanent errors, injected by a local proxy in front of moto.
@Suite(.timeLimit(.minutes(3))) struct DynamoDBRetryTests {
    static let fastRetry = RetryPolicy(maxAttempts: 6, baseDelay: .milliseconds(1), maxDelay: .milliseconds(20))

    /// A store on a fresh table in moto, reached through a proxy that injects `failures`.
    func withProxiedStore(
        _ failures: [String: [String]], retry: RetryPolicy = fastRetry,
        _ body: (DynamoDBViewStore, DynamoDBViewStore, FailureInjectingProxy) async throws -> Void
    ) async throws {
        guard let endpoint = DynamoDBTestServer.endpoint() else { return }
        try await DynamoDBTestServer.withStore(endpoint: endpoint, prefix: "ddb_retry") { direct in
            let proxy = try FailureInjectingProxy(upstream: endpoint, failures: failures)
            defer { proxy.stop() }
            try await HTTPClient.withHTTPClient(configuration: DynamoDBClient.httpClientConfiguration()) { http in
                let client = try DynamoDBClient(
                    configuration: .init(region: DynamoDBTestServer.region, endpoint: proxy.endpoint, retry: retry),
                    httpClient: http, credentials: DynamoDBTestServer.credentials, logger: Logger(label: "test"))
                let proxied = DynamoDBViewStore(configuration: direct.configuration, client: client)
                try await body(proxied, direct, proxy)
            }
        }
    }

    @Test func throttlingAndServerErrorsAreRetried() async throws {
        try await self.withProxiedStore(["PutItem": ["throttle", "provisioned", "500", "limit"]]) {
            store, direct, proxy in
            let writes = (0..<10).map {
                DocumentWrite.upsert(
                    key: "k\($0)", body: DynamoDBTestServer.document("k\($0)", version: 1), expected: nil)
            }
            let outcomes = try await store.apply(writes)
            #expect(outcomes == Array(repeating: .applied(StoreRevision(1)), count: 10))
            #expect(try await proxy.stats()["PutItem"] == 14)
            #expect(try await direct.fetch(writes.map(\.key)).count == 10)
        }
    }

    @Test func unprocessedKeysAreResubmitted() async throws {
        try await self.withProxiedStore(["BatchGetItem": ["unprocessed", "unprocessed", "throttle"]]) {
            store, direct, proxy in
            let keys = (0..<40).map { "u\($0)" }
            let writes = keys.map {
                DocumentWrite.upsert(key: $0, body: DynamoDBTestServer.document($0, version: 2), expected: nil)
            }
            _ = try await direct.apply(writes)
            let fetched = try await store.fetch(keys)
            #expect(fetched.count == 40)
            #expect(fetched["u39"]?.revision == StoreRevision(2))
            // 40 keys → 20 unprocessed → 10 unprocessed → throttled → the last 10.
            #expect(try await proxy.stats()["BatchGetItem"] == 4)
        }
    }

    @Test func retriesEndAfterTheBudgetWithAClearError() async throws {
        let retry = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))
        try await self.withProxiedStore(["PutItem": Array(repeating: "throttle", count: 5)], retry: retry) {
            store, _, proxy in
            let error = await #expect(throws: DynamoDBError.self) {
                _ = try await store.apply([
                    .upsert(key: "t", body: DynamoDBTestServer.document("t", version: 1), expected: nil)
                ])
            }
            #expect(error?.code == .retriesExhausted)
            #expect(error?.awsCode == "ThrottlingException")
            #expect(
                error?.description
                    == "DynamoDB PutItem on table '\(store.configuration.table)' for key 't': retriesExhausted: "
                    + "gave up after 3 attempts; last: injected ThrottlingException [HTTP 400, ThrottlingException]")
            let attempts = try await proxy.stats()["PutItem"]
            #expect(attempts == 3)
        }
    }

    @Test func permanentErrorsAreNotRetried() async throws {
        try await self.withProxiedStore(["PutItem": ["validation", "denied"]]) { store, direct, proxy in
            let rejected = try await store.apply([
                .upsert(key: "v", body: DynamoDBTestServer.document("v", version: 1), expected: nil)
            ])
            #expect(rejected == [.rejected(reason: "DynamoDB refused item 'v': injected ValidationException")])
            let error = await #expect(throws: DynamoDBError.self) {
                _ = try await store.apply([
                    .upsert(key: "d", body: DynamoDBTestServer.document("d", version: 1), expected: nil)
                ])
            }
            #expect(error?.code == .requestRejected)
            #expect(error?.awsCode == "AccessDeniedException")
            #expect(try await proxy.stats()["PutItem"] == 2)
            #expect(try await direct.fetch(["v", "d"]).isEmpty)
        }
    }
}
