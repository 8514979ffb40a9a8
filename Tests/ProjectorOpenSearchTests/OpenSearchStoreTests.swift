import ProjectorCore
import Testing

@testable import ProjectorOpenSearch

/// The store against osmem-server: each test in its own index.
@Suite(.timeLimit(.minutes(3))) struct OpenSearchStoreTests {
    @Test func bulkOfTenThousandThenMgetAll() async throws {
        try await OpenSearchTesting.withClient { client in
            try await OpenSearchTesting.withIndex(client, prefix: "store_bulk") { index in
                let store = try OpenSearchStore(client: client, index: index)
                let documents = OpenSearchTesting.documents(10_000)
                let outcomes = try await store.apply(
                    documents.map { .upsert(key: $0.key, body: $0.body, expected: nil) })
                #expect(outcomes.count == 10_000)
                let revisions = outcomes.compactMap { outcome -> StoreRevision? in
                    if case .applied(let revision?) = outcome { return revision }
                    return nil
                }
                #expect(revisions.count == 10_000)
                #expect(Set(revisions).count == 10_000)

                let fetched = try await store.fetch(documents.map(\.key))
                #expect(fetched.count == 10_000)
                for (document, revision) in zip(documents, revisions) {
                    #expect(fetched[document.key]?.body == document.body)
                    #expect(fetched[document.key]?.revision == revision)
                }
                #expect(try await OpenSearchAdmin(client: client).count(index) == 10_000)
            }
        }
    }

    @Test func replayOfTheSameBatchConflictsAndChangesNothing() async throws {
        try await OpenSearchTesting.withClient { client in
            try await OpenSearchTesting.withIndex(client, prefix: "store_replay") { index in
                let store = try OpenSearchStore(client: client, index: index)
                let documents = OpenSearchTesting.documents(50)
                let created = try await store.apply(
                    documents.map { .upsert(key: $0.key, body: $0.body, expected: nil) })
                let before = try await store.fetch(documents.map(\.key))

                // A second batch moves every document on from the revision it read.
                let updates = documents.map { document -> DocumentWrite in
                    var body = document.body.objectValue ?? [:]
                    body["tag"] = "v2"
                    return .upsert(key: document.key, body: .object(body), expected: before[document.key]?.revision)
                }
                let updated = try await store.apply(updates)
                #expect(updated.allSatisfy { if case .applied(.some) = $0 { true } else { false } })
                let after = try await store.fetch(documents.map(\.key))

                // Replaying either batch (after a crash before the checkpoint) is refused item by item.
                let replayCreate = try await store.apply(
                    documents.map { .upsert(key: $0.key, body: $0.body, expected: nil) })
                let replayUpdate = try await store.apply(updates)
                #expect(replayCreate == Array(repeating: .conflict, count: 50))
                #expect(replayUpdate == Array(repeating: .conflict, count: 50))
                #expect(try await store.fetch(documents.map(\.key)) == after)
                #expect(created.count == 50)
            }
        }
    }

    @Test func staleWriteIsRefused() async throws {
        try await OpenSearchTesting.withClient { client in
            try await OpenSearchTesting.withIndex(client, prefix: "store_stale") { index in
                let store = try OpenSearchStore(client: client, index: index)
                let first = try await store.apply([.upsert(key: "k", body: ["n": 1], expected: nil)])
                guard case .applied(let revision1?) = first.first else {
                    Issue.record("create failed: \(first)")
                    return
                }
                let second = try await store.apply([.upsert(key: "k", body: ["n": 2], expected: revision1)])
                guard case .applied(let revision2?) = second.first else {
                    Issue.record("update failed: \(second)")
                    return
                }
                #expect(revision2.first > revision1.first)
                // An old instance still holding revision1 must not overwrite n = 2, nor delete it.
                let stale = try await store.apply([
                    .upsert(key: "k", body: ["n": 99], expected: revision1),
                    .delete(key: "k", expected: revision1),
                ])
                #expect(stale == [.conflict, .conflict])
                let stored = try await store.fetch(["k"])["k"]
                #expect(stored?.body == ["n": 2])
                #expect(stored?.revision == revision2)

                // The current revision deletes; deleting again is already applied.
                let deleted = try await store.apply([.delete(key: "k", expected: revision2)])
                #expect(deleted == [.applied(nil)])
                #expect(try await store.apply([.delete(key: "k", expected: revision2)]) == [.applied(nil)])
                #expect(try await store.fetch(["k"]).isEmpty)
            }
        }
    }

    @Test func mixedBulkReportsPerItem() async throws {
        let mappings: JSONValue = ["properties": ["n": ["type": "long"], "tag": ["type": "keyword"]]]
        try await OpenSearchTesting.withClient { client in
            try await OpenSearchTesting.withIndex(client, prefix: "store_mixed", mappings: mappings) { index in
                let store = try OpenSearchStore(client: client, index: index)
                _ = try await store.apply([.upsert(key: "exists", body: ["n": 0], expected: nil)])
                let outcomes = try await store.apply([
                    .upsert(key: "good-1", body: ["n": 1, "tag": "a"], expected: nil),
                    .upsert(key: "bad", body: ["n": "not a number: secret-value", "tag": "b"], expected: nil),
                    .upsert(key: "exists", body: ["n": 2], expected: nil),
                    .upsert(key: "good-2", body: ["n": 3], expected: nil),
                ])
                #expect(outcomes.count == 4)
                if case .applied(.some) = outcomes[0] {} else { Issue.record("good-1: \(outcomes[0])") }
                guard case .rejected(let reason) = outcomes[1] else {
                    Issue.record("bad must be rejected: \(outcomes[1])")
                    return
                }
                #expect(reason.contains("[bad]"))
                #expect(reason.contains("[\(index)]"))
                #expect(reason.contains("mapper_parsing_exception"))
                #expect(!reason.contains("secret-value"))
                #expect(outcomes[2] == .conflict)
                if case .applied(.some) = outcomes[3] {} else { Issue.record("good-2: \(outcomes[3])") }
                let stored = try await store.fetch(["good-1", "bad", "exists", "good-2"])
                #expect(Set(stored.keys) == ["good-1", "exists", "good-2"])
                #expect(stored["exists"]?.body == ["n": 0])
            }
        }
    }

    @Test func fetchReportsOnlyExistingKeys() async throws {
        try await OpenSearchTesting.withClient { client in
            try await OpenSearchTesting.withIndex(client, prefix: "store_mget") { index in
                let store = try OpenSearchStore(
                    client: client, configuration: .init(index: index, maximumFetchKeys: 3))
                #expect(try await store.fetch([]).isEmpty)
                _ = try await store.apply([
                    .upsert(key: "a", body: ["v": "a"], expected: nil),
                    .upsert(key: "ü/ß \"q\"", body: ["v": "unicode"], expected: nil),
                ])
                let fetched = try await store.fetch(["missing-1", "a", "missing-2", "ü/ß \"q\"", "missing-3", "a"])
                #expect(Set(fetched.keys) == ["a", "ü/ß \"q\""])
                #expect(fetched["ü/ß \"q\""]?.body == ["v": "unicode"])
            }
        }
    }

    @Test func writesNeverCreateAnIndex() async throws {
        try await OpenSearchTesting.withClient { client in
            let missing = OpenSearchTesting.uniqueName("store_missing")
            let admin = OpenSearchAdmin(client: client)
            let store = try OpenSearchStore(client: client, configuration: .init(index: missing, requireAlias: true))
            await #expect(throws: OpenSearchError.self) {
                try await store.apply([.upsert(key: "k", body: [:], expected: nil)])
            }
            #expect(try await admin.exists(missing) == false)
            do {
                _ = try await store.fetch(["k"])
                Issue.record("fetch from a missing index must throw")
            } catch let error as OpenSearchError {
                #expect(error.code == .indexNotFound)
            }
        }
    }

    @Test func smallBulkLimitsSplitRequests() async throws {
        try await OpenSearchTesting.withClient { client in
            try await OpenSearchTesting.withIndex(client, prefix: "store_split") { index in
                let store = try OpenSearchStore(
                    client: client, configuration: .init(index: index, maximumBulkDocuments: 7, maximumBulkBytes: 400))
                let documents = OpenSearchTesting.documents(100)
                let outcomes = try await store.apply(
                    documents.map { .upsert(key: $0.key, body: $0.body, expected: nil) })
                #expect(outcomes.allSatisfy { if case .applied(.some) = $0 { true } else { false } })
                #expect(try await store.fetch(documents.map(\.key)).count == 100)
            }
        }
    }
}
