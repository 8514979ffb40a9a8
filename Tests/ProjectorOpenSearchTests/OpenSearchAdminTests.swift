import NIOHTTP1
import ProjectorCore
import Synchronization
import Testing

@testable import ProjectorOpenSearch

/// Index and alias management against osmem-server.
@Suite(.timeLimit(.minutes(3))) struct OpenSearchAdminTests {
    /// Creates two physical indices of one alias, one marker document each, refreshed.
    private func makeTwoIndices(_ admin: OpenSearchAdmin, alias: String) async throws -> (IndexName, IndexName) {
        let first = IndexName(alias: alias, version: 1, buildID: "20260101t000000z_0001")
        let second = IndexName(alias: alias, version: 2, buildID: "20260102t000000z_0002")
        for name in [first, second] {
            try await admin.createIndex(name.description, mappings: ["properties": ["marker": ["type": "keyword"]]])
            let store = try OpenSearchStore(client: admin.client, index: name.description)
            _ = try await store.apply([.upsert(key: "m", body: ["marker": .string(name.description)], expected: nil)])
            try await admin.refresh(name.description)
        }
        return (first, second)
    }

    @Test func aliasSwapIsAtomicForAPollingReader() async throws {
        try await OpenSearchTesting.withClient { client in
            let admin = OpenSearchAdmin(client: client)
            let alias = OpenSearchTesting.uniqueName("admin_swap")
            let (first, second) = try await makeTwoIndices(admin, alias: alias)
            defer { Task { try? await admin.deleteIndices([first.description, second.description]) } }
            #expect(try await admin.swapAlias(alias, to: first.description) == [])
            #expect(try await admin.aliasTargets(alias) == [first.description])

            let stop = StopFlag()
            let observations = try await withThrowingTaskGroup(of: [String].self) { group in
                group.addTask {
                    // The reader: the alias must resolve to exactly one index and one document at every moment.
                    var seen: [String] = []
                    while !stop.value.load(ordering: .acquiring) {
                        let targets = try await admin.aliasTargets(alias)
                        seen.append(targets.count == 1 ? "targets:1" : "targets:\(targets.count)")
                        let count = try await admin.count(alias)
                        seen.append("count:\(count)")
                        for try await document in try admin.documents(in: alias) {
                            seen.append(document.body["marker"]?.stringValue ?? "no marker")
                        }
                    }
                    return seen
                }
                group.addTask {
                    for round in 0..<30 {
                        let target = round.isMultiple(of: 2) ? second : first
                        try await admin.swapAlias(alias, to: target.description)
                        try await Task.sleep(for: .milliseconds(2))
                    }
                    stop.value.store(true, ordering: .releasing)
                    return []
                }
                var all: [String] = []
                for try await part in group { all += part }
                return all
            }
            #expect(!observations.isEmpty)
            #expect(observations.filter { $0.hasPrefix("targets:") }.allSatisfy { $0 == "targets:1" })
            #expect(observations.filter { $0.hasPrefix("count:") }.allSatisfy { $0 == "count:1" })
            let markers = Set(observations.filter { !$0.contains(":") })
            #expect(markers.isSubset(of: [first.description, second.description]))
            #expect(try await admin.aliasTargets(alias) == [first.description])
        }
    }

    @Test func deletesOldIndicesButNeverTheAliasTarget() async throws {
        try await OpenSearchTesting.withClient { client in
            let admin = OpenSearchAdmin(client: client)
            let alias = OpenSearchTesting.uniqueName("admin_old")
            let names = (1...4).map { IndexName(alias: alias, version: $0, buildID: "20260101t00000\($0)z_000\($0)") }
            for name in names { try await admin.createIndex(name.description) }
            let unrelated = alias + "_other"
            try await admin.createIndex(unrelated)
            defer { Task { try? await admin.deleteIndices(names.map(\.description) + [unrelated]) } }
            // Readers still on version 1 (a rebuild of 4 not swapped yet).
            try await admin.swapAlias(alias, to: names[0].description)

            #expect(try await admin.physicalIndices(of: alias) == names)
            let deleted = try await admin.deleteOldIndices(of: alias, keep: 2)
            #expect(deleted == [names[1].description])
            #expect(try await admin.physicalIndices(of: alias) == [names[0], names[2], names[3]])
            #expect(try await admin.exists(unrelated))
            #expect(try await admin.deleteOldIndices(of: alias, keep: 2) == [])
            #expect(try await admin.physicalIndices(of: OpenSearchTesting.uniqueName("admin_none")) == [])
        }
    }

    @Test func bulkLoadSettingsAreRestored() async throws {
        try await OpenSearchTesting.withClient { client in
            let admin = OpenSearchAdmin(client: client)
            try await OpenSearchTesting.withIndex(client, prefix: "admin_load") { index in
                try await admin.updateSettings(index, ["refresh_interval": "5s"])
                let saved = try await admin.beginBulkLoad(index)
                #expect(saved.refreshInterval == "5s")
                let during = try await admin.loadSettings(index)
                #expect(during.refreshInterval == "-1")
                #expect(during.numberOfReplicas == "0")
                let store = try OpenSearchStore(client: client, index: index)
                _ = try await store.apply(
                    OpenSearchTesting.documents(30).map { .upsert(key: $0.key, body: $0.body, expected: nil) })
                try await admin.endBulkLoad(index, restoring: saved)
                #expect(try await admin.loadSettings(index) == saved)
                #expect(try await admin.count(index) == 30)
            }
        }
    }

    @Test func iteratesOverAllDocumentsWithRevisions() async throws {
        try await OpenSearchTesting.withClient { client in
            let admin = OpenSearchAdmin(client: client)
            try await OpenSearchTesting.withIndex(client, prefix: "admin_scan") { index in
                let store = try OpenSearchStore(client: client, index: index)
                let documents = OpenSearchTesting.documents(2_345)
                _ = try await store.apply(documents.map { .upsert(key: $0.key, body: $0.body, expected: nil) })
                try await admin.refresh(index)
                var seen: [String: StoredDocument] = [:]
                for try await document in try admin.documents(in: index, pageSize: 500) {
                    #expect(seen[document.key] == nil)
                    seen[document.key] = document
                }
                #expect(seen.count == 2_345)
                let fetched = try await store.fetch(Array(seen.keys))
                #expect(fetched == seen)
                var empty = 0
                try await OpenSearchTesting.withIndex(client, prefix: "admin_scan_empty") { emptyIndex in
                    for try await _ in try admin.documents(in: emptyIndex) { empty += 1 }
                }
                #expect(empty == 0)
            }
        }
    }

    @Test func createIndexAppliesDefinitionAndMetadataMapping() async throws {
        try await OpenSearchTesting.withClient { client in
            let admin = OpenSearchAdmin(client: client)
            let index = OpenSearchTesting.uniqueName("admin_create")
            try await admin.createIndex(
                index, settings: ["number_of_shards": 1], mappings: ["properties": ["owner": ["type": "keyword"]]])
            defer { Task { try? await admin.deleteIndices([index]) } }
            #expect(try await admin.exists(index))
            await #expect(throws: OpenSearchError.self) { try await admin.createIndex(index) }
            // The metadata field is not indexed: arbitrary stream keys in it add no fields to the mapping.
            let store = try OpenSearchStore(client: client, index: index)
            let body: JSONValue = ["owner": "ann", "_projector": ["streams": ["a-1": 1, "b-2": 7]]]
            #expect(try await store.apply([.upsert(key: "k", body: body, expected: nil)]).count == 1)
            let mapping = try await client.send(
                OpenSearchRequest(method: .GET, path: "/\(index)/_mapping", operation: "get mapping", index: index))
            let properties = try mapping.json(for: .init(method: .GET, path: "", operation: "get mapping"))[index]?[
                "mappings"]?["properties"]
            #expect(properties?["_projector"] == OpenSearchAdmin.metadataFieldMapping)
            #expect(properties?["owner"] == ["type": "keyword"])
            #expect(try await store.fetch(["k"])["k"]?.body == body)
        }
    }
}

/// A flag shared between test tasks.
final class StopFlag: Sendable {
    let value = Atomic(false)
}
