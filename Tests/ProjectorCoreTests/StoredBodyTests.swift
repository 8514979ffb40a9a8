import Testing

@testable import ProjectorCore

/// Stored bodies as the engine reads and writes them: `_projector` found wherever it is, written last, key lists
/// shared between documents without one document's members leaking into another's.
@Suite struct StoredBodyTests {
    typealias Support = EngineTestSupport

    static let counter = """
        projection: counter
        version: 2
        target: { opensearch: { index: counter } }
        initial: '{"id": $key, "n": 0}'
        on:
          bumped: { set: { n: $doc.n + 1 } }
          tagged: { set: { tag: $event.data.tag } }
        """

    static func stored(_ key: String, _ text: String, revision: Int64) throws -> StoredDocument {
        StoredDocument(key: key, body: try JSONValue(parsing: text), revision: StoreRevision(revision))
    }

    @Test func cursorTextMatchesTheDescriptionOnEdgeValues() throws {
        let cursors = [
            EventCursor(transactionID: 0, position: 0),
            EventCursor(transactionID: 9, position: 10),
            EventCursor(transactionID: 1_000_000, position: 1_000_000),
            EventCursor(transactionID: 12_345_678, position: 1_234_567),
            EventCursor(transactionID: 123_456_789, position: 1_234_567),
            EventCursor(transactionID: UInt64.max, position: Int64.max),
            EventCursor(transactionID: UInt64.max, position: -1),
            EventCursor(transactionID: 7, position: Int64.min),
        ]
        for cursor in cursors {
            let metadata = DocumentMetadata(cursor: cursor)
            #expect(metadata.jsonValue["c"] == .string(cursor.description))
            if cursor.position >= 0 {
                #expect(DocumentMetadata(json: metadata.jsonValue).cursor == cursor)
            }
        }
    }

    @Test func manyAndUnicodeStreamsRoundTrip() throws {
        var streams: [StreamID: Int64] = [:]
        for offset in 0..<40 { streams[StreamID(service: "svc-\(offset % 3)", stream: "s/\(offset)")] = Int64(offset) }
        streams[StreamID(service: "kontó", stream: "ügyfél-😀")] = Int64.max
        let metadata = DocumentMetadata(
            version: Int.max, cursor: EventCursor(transactionID: UInt64.max, position: 1), streams: streams,
            projectionVersion: 7)
        let text = metadata.jsonValue.serialized()
        let read = DocumentMetadata(json: try JSONValue(parsing: text))
        #expect(read == metadata)
        #expect(read.streams[StreamID(service: "kontó", stream: "ügyfél-😀")] == Int64.max)
        #expect(read.jsonValue.serialized() == text)
    }

    @Test func metadataFieldIsReadWhereverItIsAndWrittenLast() async throws {
        var table = DocumentTable()
        table.documents["a"] = try Self.stored(
            "a", #"{"id":"a","_projector":{"v":4,"c":"3:3","s":{"bank/a":2},"pv":2},"n":5}"#, revision: 1)
        let result = try await Support.fold(
            try Support.projection(Self.counter), [Support.event("bumped", stream: "a", seq: 3, tx: 9)], store: table)
        guard case .upsert(_, let body, _)? = result.writes.first else {
            Issue.record("expected an upsert")
            return
        }
        #expect(
            body.serialized() == #"{"id":"a","n":6,"_projector":{"v":5,"c":"9:9","s":{"bank/a":3},"pv":2}}"#)
        #expect(result.documents["a"]?.body == ["id": "a", "n": 6])
    }

    @Test func documentsWithDifferentMembersInOneBatchKeepTheirOwn() async throws {
        var table = DocumentTable()
        let stamp = #"{"v":1,"c":"1:1","s":{"bank/%@":1},"pv":2}"#
        let bodies = [
            ("a", #"{"id":"a","n":1,"_projector":%@}"#),
            ("b", #"{"id":"b","n":1,"tag":"x","_projector":%@}"#),
            ("c", #"{"id":"c","n":1,"_projector":%@}"#),
            ("d", #"{"n":1,"id":"d","_projector":%@}"#),
        ]
        for (revision, (key, text)) in bodies.enumerated() {
            let body = text.replacing("%@", with: stamp.replacing("%@", with: key))
            table.documents[key] = try Self.stored(key, body, revision: Int64(revision + 1))
        }
        let events = [
            Support.event("bumped", stream: "a", seq: 2, tx: 10),
            Support.event("bumped", stream: "b", seq: 2, tx: 11),
            Support.event("tagged", stream: "c", seq: 2, tx: 12, data: ["tag": "y"]),
            Support.event("bumped", stream: "d", seq: 2, tx: 13),
            Support.event("bumped", stream: "e", seq: 1, tx: 14),
        ]
        let result = try await Support.fold(try Support.projection(Self.counter), events, store: table)
        let written = result.writes.map { write -> String in
            guard case .upsert(let key, let body, _) = write else { return "delete" }
            return key + " " + body.serialized()
        }
        #expect(
            written == [
                #"a {"id":"a","n":2,"_projector":{"v":2,"c":"10:10","s":{"bank/a":2},"pv":2}}"#,
                #"b {"id":"b","n":2,"tag":"x","_projector":{"v":2,"c":"11:11","s":{"bank/b":2},"pv":2}}"#,
                #"c {"id":"c","n":1,"tag":"y","_projector":{"v":2,"c":"12:12","s":{"bank/c":2},"pv":2}}"#,
                #"d {"n":2,"id":"d","_projector":{"v":2,"c":"13:13","s":{"bank/d":2},"pv":2}}"#,
                #"e {"id":"e","n":1,"_projector":{"v":1,"c":"14:14","s":{"bank/e":1},"pv":2}}"#,
            ])
        #expect(result.documents["a"]?.body?.keys == ["id", "n"])
        #expect(result.documents["c"]?.body?.keys == ["id", "n", "tag"])
        #expect(result.documents["d"]?.body?.keys == ["n", "id"])
    }

    @Test func aSingleDocumentDecodesAndEncodesOnItsOwn() throws {
        for size in [1, 20] {
            var members = (0..<size).map { #""f\#($0)":\#($0)"# }
            members.append(#""_projector":{"v":3,"c":"7:8","s":{"bank/a":4},"pv":1}"#)
            let text = "{" + members.joined(separator: ",") + "}"
            var state = DocumentState(key: "a", stored: try Self.stored("a", text, revision: 2))
            let body = try #require(state.body)
            #expect(body.count == size)
            #expect(body["_projector"] == nil)
            #expect(body["f\(size - 1)"] == .int(size - 1))
            #expect(state.metadata.cursor == EventCursor(transactionID: 7, position: 8))
            #expect(state.storedBody?.serialized() == text)
            state.isDirty = true
            guard case .upsert(_, let written, let expected)? = state.makeWrite(projectionVersion: 1) else {
                Issue.record("expected an upsert")
                return
            }
            #expect(expected == StoreRevision(2))
            #expect(written.serialized() == text.replacing(#""v":3"#, with: #""v":4"#))
        }
    }

    @Test func largeDocumentsKeepTheirIndexWhenTheStampIsDropped() async throws {
        var members = (0..<20).map { #""f\#($0)":\#($0)"# }
        members.append(#""id":"a","n":0"#)
        members.append(#""_projector":{"v":1,"s":{"bank/a":1},"pv":2}"#)
        var table = DocumentTable()
        table.documents["a"] = try Self.stored("a", "{" + members.joined(separator: ",") + "}", revision: 1)
        let result = try await Support.fold(
            try Support.projection(Self.counter), [Support.event("bumped", stream: "a", seq: 2, tx: 5)], store: table)
        let body = try #require(result.documents["a"]?.body)
        #expect(body.count == 22)
        #expect(body["_projector"] == nil)
        #expect(body["f19"] == 19)
        #expect(body["n"] == 1)
        guard case .upsert(_, let stored, _)? = result.writes.first else {
            Issue.record("expected an upsert")
            return
        }
        #expect(stored.objectValue?.keys.last == "_projector")
        #expect(stored["_projector"]?["v"] == 2)
        #expect(stored["f0"] == 0)
    }
}
