import ProjectorCore
import ProjectorDynamoDB
import Testing

/// The store against moto (`DYNAMODB_ENDPOINT`); every test uses its own table.
@Suite(.timeLimit(.minutes(5))) struct DynamoDBViewStoreTests {
    @Test func twoThousandDocumentsLandAndReplayIsANoOp() async throws {
        guard let endpoint = DynamoDBTestServer.endpoint() else { return }
        try await DynamoDBTestServer.withStore(endpoint: endpoint, prefix: "ddb_bulk") { store in
            let keys = (0..<2000).map { "doc-\($0)" }
            let writes = keys.map {
                DocumentWrite.upsert(key: $0, body: DynamoDBTestServer.document($0, version: 1), expected: nil)
            }
            let outcomes = try await store.apply(writes)
            #expect(outcomes == Array(repeating: .applied(StoreRevision(1)), count: 2000))

            let fetched = try await store.fetch(keys + ["missing-1", "doc-7"])
            #expect(fetched.count == 2000)
            for key in keys {
                #expect(fetched[key]?.body == DynamoDBTestServer.document(key, version: 1))
                #expect(fetched[key]?.revision == StoreRevision(1))
            }

            // Replaying the same writes changes nothing.
            let replay = try await store.apply(writes)
            #expect(replay == Array(repeating: .conflict, count: 2000))
            #expect(try await store.fetch(keys) == fetched)

            // The whole table by a parallel scan.
            var scanned: [String: StoredDocument] = [:]
            for try await page in store.scan(segments: 3, pageSize: 300) {
                for document in page { scanned[document.key] = document }
            }
            #expect(scanned == fetched)
        }
    }

    @Test func staleWritesAreRefusedAndFreshOnesApply() async throws {
        guard let endpoint = DynamoDBTestServer.endpoint() else { return }
        try await DynamoDBTestServer.withStore(endpoint: endpoint, prefix: "ddb_stale") { store in
            let v1 = DynamoDBTestServer.document("a", version: 1)
            let v2 = DynamoDBTestServer.document("a", version: 2)
            let v3 = DynamoDBTestServer.document("a", version: 3)
            #expect(try await store.apply([.upsert(key: "a", body: v1, expected: nil)]) == [.applied(StoreRevision(1))])
            #expect(
                try await store.apply([.upsert(key: "a", body: v2, expected: StoreRevision(1))]) == [
                    .applied(StoreRevision(2))
                ])
            // A stale writer still expecting revision 1, and one that thinks the document is new.
            let stale = try await store.apply([
                .upsert(key: "a", body: v3, expected: StoreRevision(1)), .upsert(key: "a", body: v3, expected: nil),
                .delete(key: "a", expected: StoreRevision(1)),
            ])
            #expect(stale == [.conflict, .conflict, .conflict])
            #expect(try await store.fetch(["a"])["a"]?.body == v2)

            // Writes to one key in one batch keep their order.
            let chained = try await store.apply([
                .upsert(key: "a", body: v3, expected: StoreRevision(2)), .delete(key: "a", expected: StoreRevision(3)),
                .upsert(key: "b", body: DynamoDBTestServer.document("b", version: 1), expected: nil),
            ])
            #expect(chained == [.applied(StoreRevision(3)), .applied(nil), .applied(StoreRevision(1))])
            let after = try await store.fetch(["a", "b"])
            #expect(after["a"] == nil)
            #expect(after["b"]?.revision == StoreRevision(1))
        }
    }

    @Test func trickyValuesRoundTripThroughDynamoDB() async throws {
        guard let endpoint = DynamoDBTestServer.endpoint() else { return }
        try await DynamoDBTestServer.withStore(endpoint: endpoint, prefix: "ddb_values") { store in
            let body = try JSONValue(
                parsing: #"""
                    {"id":"ü/1","numbers":[0.1,1e21,12345678901234567890,-0,-7,2.5e-8,9007199254740993],
                     "empty":"","unicode":"Zoë 😀 東京 \u0000 \n","flags":[true,false,null],
                     "deep":{"a":{"b":{"c":[{"d":[]},{}]}}},"_projector":{"v":1,"seq":{"svc/ü":4}}}
                    """#)
            #expect(
                try await store.apply([.upsert(key: "ü/1", body: body, expected: nil)]) == [.applied(StoreRevision(1))])
            let stored = try #require(try await store.fetch(["ü/1"])["ü/1"])
            #expect(stored.body == body)
            #expect(stored.body["numbers"]?.arrayValue?[6] == .int(9007199254740993))
            #expect(stored.body["numbers"]?.arrayValue?[2] == .double(12345678901234567890))
        }
    }

    @Test func anOversizedDocumentIsRejectedAndTheRestLands() async throws {
        guard let endpoint = DynamoDBTestServer.endpoint() else { return }
        try await DynamoDBTestServer.withStore(endpoint: endpoint, prefix: "ddb_big") { store in
            let big = DynamoDBTestServer.document(
                "big", version: 1, extra: ["blob": .string(String(repeating: "x", count: 500 * 1024))])
            let writes: [DocumentWrite] = [
                .upsert(key: "small-1", body: DynamoDBTestServer.document("small-1", version: 1), expected: nil),
                .upsert(key: "big", body: big, expected: nil),
                .upsert(key: "small-2", body: DynamoDBTestServer.document("small-2", version: 1), expected: nil),
            ]
            let outcomes = try await store.apply(writes)
            #expect(outcomes[0] == .applied(StoreRevision(1)))
            #expect(outcomes[2] == .applied(StoreRevision(1)))
            guard case .rejected(let reason) = outcomes[1] else {
                Issue.record("expected a rejection, got \(outcomes[1])")
                return
            }
            #expect(reason == "item 'big' is 512029 bytes, over DynamoDB's 400 KB limit")
            #expect(try await store.fetch(["small-1", "big", "small-2"]).keys.sorted() == ["small-1", "small-2"])
        }
    }

    @Test func documentsThatCannotBeItemsAreRejected() async throws {
        guard let endpoint = DynamoDBTestServer.endpoint() else { return }
        try await DynamoDBTestServer.withStore(endpoint: endpoint, prefix: "ddb_reject") { store in
            let outcomes = try await store.apply([
                .upsert(key: "x", body: ["id": "other", "_projector": ["v": 1]], expected: nil),
                .upsert(key: "y", body: ["id": "y"], expected: nil),
                .upsert(key: "", body: ["_projector": ["v": 1]], expected: nil),
                .upsert(key: "z", body: ["_projector": ["v": 1], "n": .double(1e200)], expected: nil),
                .upsert(key: "w", body: ["_projector": ["v": 1]], expected: nil),
            ])
            #expect(outcomes[0] == .rejected(reason: "attribute 'id' of document 'x' differs from its key"))
            #expect(outcomes[1] == .rejected(reason: "document 'y' has no integer _projector.v"))
            #expect(outcomes[2] == .rejected(reason: "document key is empty; DynamoDB keys must be non-empty strings"))
            #expect(
                outcomes[3] == .rejected(reason: "item 'z': attribute 'n': number 1e+200 is outside DynamoDB's range"))
            #expect(outcomes[4] == .applied(StoreRevision(1)))
            let long = String(repeating: "k", count: 2049)
            let tooLong = try await store.apply([.upsert(key: long, body: ["_projector": ["v": 1]], expected: nil)])
            #expect(
                tooLong == [
                    .rejected(
                        reason: "document key '\(long.prefix(40))…' is 2049 bytes, over DynamoDB's 2048-byte key limit")
                ])
            #expect(try await store.fetch([long, "", "w"]).keys.sorted() == ["w"])
            // The key attribute is added when the body lacks it.
            #expect(try await store.fetch(["w"])["w"]?.body == ["_projector": ["v": 1], "id": "w"])
        }
    }

    @Test func itemsWrittenByOthersCanBeTakenOverOnce() async throws {
        guard let endpoint = DynamoDBTestServer.endpoint() else { return }
        try await DynamoDBTestServer.withStore(endpoint: endpoint, prefix: "ddb_foreign") { store in
            // An item some other tool wrote: no _projector counter.
            _ = try await store.client.send(
                "PutItem",
                ["TableName": .string(store.configuration.table), "Item": ["id": ["S": "f"], "x": ["N": "1"]]],
                table: store.configuration.table)
            let foreign = try #require(try await store.fetch(["f"])["f"])
            #expect(foreign.revision == StoreRevision(0))
            #expect(foreign.body == ["id": "f", "x": 1])
            let body = DynamoDBTestServer.document("f", version: 1)
            let outcomes = try await store.apply([
                .upsert(key: "f", body: body, expected: StoreRevision(0)),
                .upsert(key: "f", body: body, expected: StoreRevision(0)),
                .upsert(key: "g", body: DynamoDBTestServer.document("g", version: 1), expected: StoreRevision(0)),
            ])
            #expect(outcomes == [.applied(StoreRevision(1)), .conflict, .conflict])
            #expect(try await store.fetch(["f"])["f"]?.body == body)
        }
    }

    @Test func tablesAreCreatedCheckedAndDeleted() async throws {
        guard let endpoint = DynamoDBTestServer.endpoint() else { return }
        try await DynamoDBTestServer.withStore(endpoint: endpoint, prefix: "ddb_admin") { store in
            let client = store.client
            let table = store.configuration.table
            let description = try #require(try await client.describeTable(table))
            #expect(description.isActive)
            #expect(description.hashKeyAttribute == "id")
            #expect(description.hashKeyType == "S")
            // Idempotent.
            #expect(try await store.ensureTable().name == table)
            // A table keyed differently is refused with a clear error.
            let error = await #expect(throws: DynamoDBError.self) {
                try await client.ensureTable(table, keyAttribute: "pk")
            }
            #expect(error?.code == .tableSchemaMismatch)
            #expect(error?.description.contains("table '\(table)'") == true)

            // A missing table: describe says nil, writes throw naming the table and key.
            let missing = DynamoDBTestServer.tableName("ddb_missing")
            #expect(try await client.describeTable(missing) == nil)
            let other = DynamoDBViewStore(configuration: .init(table: missing), client: client)
            let writeError = await #expect(throws: DynamoDBError.self) {
                _ = try await other.apply([.upsert(key: "k", body: ["_projector": ["v": 1]], expected: nil)])
            }
            #expect(writeError?.code == .tableNotFound)
            #expect(writeError?.description.contains("PutItem on table '\(missing)' for key 'k'") == true)
            try await client.deleteTable(missing)  // missing is fine
        }
    }
}
