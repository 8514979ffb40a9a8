import ProjectorCore
import Testing

@testable import ProjectorOpenSearch

@Suite struct BulkRequestTests {
    @Test func buildsConditionalNDJSON() throws {
        let writes: [DocumentWrite] = [
            .upsert(key: "a\"1", body: ["x": 1], expected: nil),
            .upsert(key: "b", body: ["y": "z"], expected: StoreRevision(7, 2)),
            .delete(key: "c", expected: StoreRevision(9, 1)),
        ]
        let requests = BulkRequest.split(
            writes, positions: [0, 1, 2], maximumDocuments: 10, maximumBytes: 1 << 20)
        #expect(requests.count == 1)
        let text = String(decoding: try #require(requests.first).body, as: UTF8.self)
        #expect(
            text == """
                {"create":{"_id":"a\\"1"}}
                {"x":1}
                {"index":{"_id":"b","if_seq_no":7,"if_primary_term":2}}
                {"y":"z"}
                {"delete":{"_id":"c","if_seq_no":9,"if_primary_term":1}}

                """)
        #expect(requests.first?.positions == [0, 1, 2])
    }

    @Test func splitsByCountAndBytes() {
        let writes = (0..<25).map { DocumentWrite.upsert(key: "k\($0)", body: ["n": .int($0)], expected: nil) }
        let byCount = BulkRequest.split(writes, positions: Array(0..<25), maximumDocuments: 10, maximumBytes: 1 << 20)
        #expect(byCount.map(\.positions.count) == [10, 10, 5])
        #expect(byCount.flatMap(\.positions) == Array(0..<25))

        // Each item is `{"create":{"_id":"kN"}}\n{"n":N}\n`: 32 or 34 bytes; 100 bytes hold 2 or 3 of them.
        let byBytes = BulkRequest.split(writes, positions: Array(0..<25), maximumDocuments: 1000, maximumBytes: 100)
        #expect(byBytes.allSatisfy { $0.body.count <= 100 })
        #expect(byBytes.flatMap(\.positions) == Array(0..<25))

        // A document larger than the byte limit travels alone.
        let big =
            [DocumentWrite.upsert(key: "big", body: .string(String(repeating: "x", count: 500)), expected: nil)]
            + writes.prefix(2)
        let alone = BulkRequest.split(big, positions: [1, 0, 2], maximumDocuments: 1000, maximumBytes: 100)
        #expect(alone.map(\.positions) == [[1], [0], [2]])
    }

    @Test func classifiesItems() throws {
        let writes: [DocumentWrite] = [
            .upsert(key: "ok", body: [:], expected: nil),
            .upsert(key: "dup", body: [:], expected: nil),
            .upsert(key: "bad", body: [:], expected: nil),
            .upsert(key: "busy", body: [:], expected: StoreRevision(1, 1)),
            .delete(key: "gone", expected: StoreRevision(3, 1)),
            .delete(key: "stale", expected: StoreRevision(3, 1)),
            .delete(key: "missing", expected: StoreRevision(3, 1)),
        ]
        let response = try JSONValue(
            parsing: #"""
                {"errors":true,"items":[
                {"create":{"_seq_no":5,"_primary_term":2,"status":201}},
                {"create":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"[dup]: version conflict, document already exists (current version [1])"}}},
                {"create":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [n] of type [long] in document with id 'bad'. Preview of field's value: 'secret'"}}},
                {"index":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution"}}},
                {"delete":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"[gone]: version conflict, required seqNo [3], primary term [1]. but no document was found"}}},
                {"delete":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"[stale]: version conflict, required seqNo [3], primary term [1]. current document has seqNo [4] and primary term [1]"}}},
                {"delete":{"status":404,"result":"not_found"}}
                ]}
                """#)
        let request = BulkRequest(body: [], positions: Array(writes.indices))
        let results = try BulkItemResult.classify(response, request: request, writes: writes, index: "idx")
        #expect(results[0] == .settled(.applied(StoreRevision(5, 2))))
        #expect(results[1] == .settled(.conflict))
        guard case .settled(.rejected(let reason)) = results[2] else {
            Issue.record("a 400 must be rejected, got \(results[2])")
            return
        }
        #expect(reason.contains("[bad]") && reason.contains("[idx]") && reason.contains("mapper_parsing_exception"))
        #expect(reason.contains("failed to parse field [n] of type [long]"))
        #expect(!reason.contains("secret"))
        #expect(results[3] == .retry(status: 429, summary: "es_rejected_execution_exception: rejected execution"))
        #expect(results[4] == .settled(.applied(nil)))
        #expect(results[5] == .settled(.conflict))
        #expect(results[6] == .settled(.applied(nil)))
    }

    @Test func missingIndexInAnItemThrows() throws {
        let response = try JSONValue(
            parsing: #"""
                {"items":[{"create":{"status":404,"error":{"type":"index_not_found_exception","reason":"no such index [x]"}}}]}
                """#)
        #expect(throws: OpenSearchError.self) {
            try BulkItemResult.classify(
                response, request: BulkRequest(body: [], positions: [0]),
                writes: [.upsert(key: "k", body: [:], expected: nil)], index: "x")
        }
    }

    @Test func countMismatchIsAnInvalidResponse() throws {
        let response = try JSONValue(parsing: #"{"items":[]}"#)
        do {
            _ = try BulkItemResult.classify(
                response, request: BulkRequest(body: [], positions: [0]),
                writes: [.upsert(key: "k", body: [:], expected: nil)], index: "x")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(error.description.hasPrefix("OpenSearch bulk on [x] invalidResponse"))
        }
    }
}
