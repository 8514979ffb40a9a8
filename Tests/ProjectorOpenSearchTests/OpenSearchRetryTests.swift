import ProjectorCore
import ProjectorTesting
import Testing

@testable import ProjectorOpenSearch

/// Retries of whole requests and of single bulk items, with failures injected by ``FlakyProxy`` in front of
/// osmem-server.
@Suite(.timeLimit(.minutes(2))) struct OpenSearchRetryTests {
    private func upstream() throws -> String? { try TestServers.openSearchURL() }

    @Test func throttledRequestIsRetriedThenSucceeds() async throws {
        guard let upstream = try upstream() else { return }
        try await OpenSearchTesting.withClient { direct in
            try await OpenSearchTesting.withIndex(direct, prefix: "retry_429") { index in
                let plan: JSONValue = ["bulk": [["status": 429], ["status": 503]], "mget": [["status": 502]]]
                try await FlakyProxy.with(upstream: upstream, plan: plan) { proxy in
                    try await OpenSearchTesting.withClient(url: proxy.url) { client in
                        let store = try OpenSearchStore(client: client, index: index)
                        let outcomes = try await store.apply([
                            .upsert(key: "a", body: ["n": 1], expected: nil),
                            .upsert(key: "b", body: ["n": 2], expected: nil),
                        ])
                        #expect(outcomes.allSatisfy { if case .applied(.some) = $0 { true } else { false } })
                        #expect(try await store.fetch(["a", "b"]).count == 2)
                        #expect(try await proxy.stats() == ["bulk": 3, "mget": 2])
                    }
                }
            }
        }
    }

    @Test func onlyThrottledItemsAreResent() async throws {
        guard let upstream = try upstream() else { return }
        try await OpenSearchTesting.withClient { direct in
            try await OpenSearchTesting.withIndex(direct, prefix: "retry_items") { index in
                // First bulk: items 1 and 3 rejected with 429; second bulk (those two): item 0 of it again.
                let plan: JSONValue = ["bulk": [["items429": [1, 3]], ["items429": [0]]]]
                try await FlakyProxy.with(upstream: upstream, plan: plan) { proxy in
                    try await OpenSearchTesting.withClient(url: proxy.url) { client in
                        let store = try OpenSearchStore(client: client, index: index)
                        let writes = (0..<5).map {
                            DocumentWrite.upsert(key: "k\($0)", body: ["n": .int($0)], expected: nil)
                        }
                        let outcomes = try await store.apply(writes)
                        // Every item applied exactly once: a re-sent item that had landed would come back 409.
                        #expect(outcomes.allSatisfy { if case .applied(.some) = $0 { true } else { false } })
                        #expect(try await proxy.stats()["bulk"] == 3)
                        let stored = try await store.fetch(writes.map(\.key))
                        #expect(stored.count == 5)
                        #expect(stored["k3"]?.body == ["n": 3])
                    }
                }
            }
        }
    }

    @Test func lostResponseIsResentAndReportedAsConflict() async throws {
        guard let upstream = try upstream() else { return }
        try await OpenSearchTesting.withClient { direct in
            try await OpenSearchTesting.withIndex(direct, prefix: "retry_drop") { index in
                try await FlakyProxy.with(upstream: upstream, plan: ["bulk": [["drop": true]]]) { proxy in
                    try await OpenSearchTesting.withClient(url: proxy.url) { client in
                        let store = try OpenSearchStore(client: client, index: index)
                        let outcomes = try await store.apply([.upsert(key: "a", body: ["n": 1], expected: nil)])
                        // The first attempt landed but its answer was lost; the conditional re-send is refused,
                        // so the caller re-reads and finds its own write. Nothing is written twice.
                        #expect(outcomes == [.conflict])
                        #expect(try await proxy.stats()["bulk"] == 2)
                        #expect(try await store.fetch(["a"])["a"]?.body == ["n": 1])
                    }
                }
            }
        }
    }

    @Test func persistentFailureGivesUpAfterTheBudget() async throws {
        guard let upstream = try upstream() else { return }
        let failures = JSONValue.array(Array(repeating: ["status": 503], count: 10))
        try await FlakyProxy.with(upstream: upstream, plan: ["mget": failures, "bulk": failures]) { proxy in
            let retry = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))
            try await OpenSearchTesting.withClient(url: proxy.url, retry: retry) { client in
                let store = try OpenSearchStore(client: client, index: "retry_never_reached")
                do {
                    _ = try await store.fetch(["a"])
                    Issue.record("expected the fetch to fail")
                } catch let error as OpenSearchError {
                    #expect(error.code == .unavailable)
                    #expect(error.status == 503)
                    #expect(error.description.contains("mget on [retry_never_reached]"))
                }
                #expect(try await proxy.stats()["mget"] == 3)
            }
        }
    }

    @Test func persistentItemThrottlingGivesUp() async throws {
        guard let upstream = try upstream() else { return }
        try await OpenSearchTesting.withClient { direct in
            try await OpenSearchTesting.withIndex(direct, prefix: "retry_items_fail") { index in
                let plan = JSONValue.array(Array(repeating: ["items429": [0]], count: 10))
                try await FlakyProxy.with(upstream: upstream, plan: ["bulk": plan]) { proxy in
                    let retry = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))
                    try await OpenSearchTesting.withClient(url: proxy.url, retry: retry) { client in
                        let store = try OpenSearchStore(client: client, index: index)
                        await #expect(throws: OpenSearchError.self) {
                            try await store.apply([
                                .upsert(key: "a", body: [:], expected: nil),
                                .upsert(key: "b", body: [:], expected: nil),
                            ])
                        }
                        #expect(try await proxy.stats()["bulk"] == 3)
                        #expect(try await store.fetch(["a", "b"]).keys.sorted() == ["b"])
                    }
                }
            }
        }
    }

    @Test func permanentRequestErrorIsNotRetried() async throws {
        guard let upstream = try upstream() else { return }
        try await FlakyProxy.with(upstream: upstream, plan: ["other": [["status": 403]]]) { proxy in
            try await OpenSearchTesting.withClient(url: proxy.url) { client in
                do {
                    _ = try await OpenSearchAdmin(client: client).count("anything")
                    Issue.record("expected a 403 to fail")
                } catch let error as OpenSearchError {
                    #expect(error.code == .requestFailed)
                    #expect(error.status == 403)
                }
                #expect(try await proxy.stats()["other"] == 1)
            }
        }
    }

    @Test func connectionRefusedIsRetriedThenReported() async throws {
        let retry = RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2))
        try await OpenSearchTesting.withClient(url: "http://127.0.0.1:1", retry: retry) { client in
            do {
                _ = try await OpenSearchAdmin(client: client).exists("anything")
                Issue.record("expected a connection error")
            } catch let error as OpenSearchError {
                #expect(error.code == .unavailable)
                #expect(error.description.hasPrefix("OpenSearch index exists on [anything] unavailable"))
            }
        }
    }
}
