import Foundation
import ProjectorCore
import Testing

@Suite struct FoldEngineTests {
    static let balance = """
        projection: balance
        version: 3
        target: { opensearch: { index: balance } }
        initial: '{"id": $key, "balance": 0}'
        on:
          opened: { set: { owner: $event.data.owner } }
          deposited:
            when: $event.data.amount > 0
            set: { balance: $doc.balance + $event.data.amount, note: $event.data.note }
          closed: { delete: true }
          renamed: '$event.data.name = "" ? null : $merge([$doc, {"name": $event.data.name}])'
          broken: '$doc.balance'
        on_error: dead_letter
        """

    typealias Support = EngineTestSupport

    func balance(onError: String = "dead_letter") throws -> Projection {
        try Support.projection(
            Self.balance.replacingOccurrences(of: "on_error: dead_letter", with: "on_error: \(onError)"))
    }

    @Test func coalescesEventsOfOneDocumentIntoOneWrite() async throws {
        let events = [
            Support.event("opened", stream: "a1", seq: 1, tx: 10, data: ["owner": "ann"]),
            Support.event("deposited", stream: "a1", seq: 2, tx: 11, data: ["amount": 5]),
            Support.event("deposited", stream: "a2", seq: 1, tx: 12, data: ["amount": 7]),
            Support.event("deposited", stream: "a1", seq: 3, tx: 13, data: ["amount": 2.5]),
        ]
        let result = try await Support.fold(try balance(), events)
        #expect(result.writes.map(\.key) == ["a1", "a2"])
        #expect(result.applied == 4)
        guard case .upsert(_, let body, let expected) = result.writes[0] else {
            Issue.record("expected an upsert")
            return
        }
        #expect(expected == nil)
        #expect(body["balance"] == 7.5)
        #expect(body["owner"] == "ann")
        #expect(body["id"] == "a1")
        let metadata = DocumentMetadata(json: body["_projector"])
        #expect(metadata.version == 1)
        #expect(metadata.projectionVersion == 3)
        #expect(metadata.streams == [StreamID(service: "bank", stream: "a1"): 3])
        #expect(metadata.cursor == EventCursor(transactionID: 13, position: 13))
    }

    @Test func skipsDuplicatesAndAReplayedBatchWritesNothing() async throws {
        let projection = try balance()
        let events = [
            Support.event("opened", stream: "a1", seq: 1, tx: 10, data: ["owner": "ann"]),
            Support.event("deposited", stream: "a1", seq: 2, tx: 11, data: ["amount": 5]),
            Support.event("deposited", stream: "a1", seq: 2, tx: 11, data: ["amount": 5]),
        ]
        var store = DocumentTable()
        let first = try await Support.fold(projection, events, store: store)
        #expect(first.duplicates == 1)
        let applied = store.apply(first.writes)
        #expect(applied)
        #expect(store.body("a1")?["balance"] == 5)

        let replay = try await Support.fold(projection, events, store: store)
        #expect(replay.writes.isEmpty)
        #expect(replay.duplicates == 3)
        #expect(replay.applied == 0)

        let next = try await Support.fold(
            projection, [Support.event("deposited", stream: "a1", seq: 3, tx: 20, data: ["amount": 1])], store: store)
        guard case .upsert(_, let body, let expected)? = next.writes.first else {
            Issue.record("expected an upsert")
            return
        }
        #expect(expected == store.documents["a1"]?.revision)
        #expect(body["balance"] == 6)
        #expect(DocumentMetadata(json: body["_projector"]).version == 2)
    }

    @Test func reportsAGapAndRefoldsItFromTheLog() async throws {
        let projection = try balance()
        let engine = FoldEngine(projection: projection)
        let opened = Support.event("opened", stream: "a1", seq: 1, tx: 10, data: ["owner": "ann"])
        let second = Support.event("deposited", stream: "a1", seq: 2, tx: 30, data: ["amount": 5])
        let unhandled = Support.event("statement-sent", stream: "a1", seq: 3, tx: 31)
        let fourth = Support.event("deposited", stream: "a1", seq: 4, tx: 20, data: ["amount": 1])

        // The pure steps: routing, then a gap on seq 4 after seq 1.
        let routed = engine.route([opened, fourth])
        #expect(routed.keys == ["a1"])
        var state = DocumentState(key: "a1", stored: nil)
        var scratch = FoldScratch()
        #expect(engine.fold(routed.events[0], event: opened, into: &state, scratch: &scratch) == .applied)
        let step = engine.fold(routed.events[1], event: fourth, into: &state, scratch: &scratch)
        let gap = StreamGap(stream: fourth.streamID, afterSeq: 1, upToSeq: 4)
        #expect(step == .gap(gap))
        #expect(gap.missing == 2...4)

        // Through BatchFold: the log holds seq 2 (committed late), the unhandled seq 3 and seq 4 itself.
        let result = try await Support.fold(projection, [opened, fourth, second], log: [second, unhandled, fourth])
        #expect(result.refolds == 1)
        #expect(result.failures.isEmpty)
        guard case .upsert(_, let body, _)? = result.writes.first else {
            Issue.record("expected an upsert")
            return
        }
        #expect(body["balance"] == 6)
        let metadata = DocumentMetadata(json: body["_projector"])
        #expect(metadata.streams[fourth.streamID] == 4)
        // Refolded events do not move the cursor; delivered ones do.
        #expect(metadata.cursor == EventCursor(transactionID: 30, position: 30))
        #expect(result.duplicates == 2)
    }

    @Test func refoldToleratesSequencesMissingFromTheLog() throws {
        let engine = FoldEngine(projection: try balance())
        var state = DocumentState(key: "a1", stored: nil)
        var scratch = FoldScratch()
        let third = Support.event("deposited", stream: "a1", seq: 3, tx: 5, data: ["amount": 4])
        let gap = StreamGap(stream: third.streamID, afterSeq: 0, upToSeq: 5)
        let failures = engine.refold(&state, gap: gap, log: [third], scratch: &scratch)
        #expect(failures.isEmpty)
        #expect(state.body?["balance"] == 4)
        #expect(state.metadata.streams[third.streamID] == 4)
        #expect(state.metadata.cursor == nil)
    }

    @Test func tracksUnhandledEventsOfLoadedStreams() async throws {
        let events = [
            Support.event("opened", stream: "a1", seq: 1, tx: 1, data: ["owner": "ann"]),
            Support.event("statement-sent", stream: "a1", seq: 2, tx: 2),
            Support.event("deposited", stream: "a1", seq: 3, tx: 3, data: ["amount": 2]),
        ]
        let result = try await Support.fold(try balance(), events)
        #expect(result.refolds == 0)
        #expect(result.skipped == 1)
        #expect(result.writes.count == 1)
    }

    @Test func deletesAndRecreates() async throws {
        let projection = try balance()
        var store = DocumentTable()
        let created = try await Support.fold(
            projection,
            [
                Support.event("opened", stream: "a1", seq: 1, tx: 1, data: ["owner": "ann"]),
                Support.event("deposited", stream: "a1", seq: 2, tx: 2, data: ["amount": 9]),
            ], store: store)
        store.apply(created.writes)
        let revision = try #require(store.documents["a1"]?.revision)

        // Deleted and created again in one batch: one upsert, starting from `initial`.
        let recreated = try await Support.fold(
            projection,
            [
                Support.event("closed", stream: "a1", seq: 3, tx: 3),
                Support.event("deposited", stream: "a1", seq: 4, tx: 4, data: ["amount": 1]),
            ], store: store)
        #expect(recreated.writes.count == 1)
        guard case .upsert(_, let body, let expected)? = recreated.writes.first else {
            Issue.record("expected an upsert")
            return
        }
        #expect(expected == revision)
        #expect(body["balance"] == 1)
        #expect(body["owner"] == nil)

        // Deleted: a conditional delete.
        let deleted = try await Support.fold(
            projection, [Support.event("closed", stream: "a1", seq: 3, tx: 3)], store: store)
        #expect(deleted.writes == [.delete(key: "a1", expected: revision)])
        #expect(deleted.documents["a1"]?.body == nil)
        #expect(deleted.documents["a1"]?.metadata.streams[StreamID(service: "bank", stream: "a1")] == 3)

        // Created and deleted within one batch on an empty store: nothing to write.
        let transient = try await Support.fold(
            projection,
            [
                Support.event("opened", stream: "b1", seq: 1, tx: 1),
                Support.event("closed", stream: "b1", seq: 2, tx: 2),
            ])
        #expect(transient.writes.isEmpty)
    }

    @Test func whenGuardSkipsButCountsTheEvent() async throws {
        let result = try await Support.fold(
            try balance(),
            [
                Support.event("opened", stream: "a1", seq: 1, tx: 1),
                Support.event("deposited", stream: "a1", seq: 2, tx: 2, data: ["amount": -3]),
                Support.event("deposited", stream: "a1", seq: 3, tx: 3, data: ["amount": 4]),
            ])
        #expect(result.skipped == 1)
        #expect(result.refolds == 0)
        let state = try #require(result.documents["a1"])
        #expect(state.body?["balance"] == 4)
        #expect(state.metadata.streams[StreamID(service: "bank", stream: "a1")] == 3)
    }

    @Test(arguments: [
        (JSONValue.bool(true), true), (.int(1), true), (.string("x"), true), (.array([.int(0), .int(2)]), true),
        (.bool(false), false), (.int(0), false), (.string(""), false), (.null, false), (.array([]), false),
    ])
    func whenGuardReadsItsValueAsJSONataDoes(flag: JSONValue, runs: Bool) async throws {
        let projection = try ProjectionLoader.parse(
            """
            projection: flagged
            target: { opensearch: { index: flagged } }
            on:
              marked:
                when: $event.data.flag
                set: { marked: true }
            """, file: "flagged.yaml")
        let result = try await Support.fold(
            projection, [Support.event("marked", stream: "f1", seq: 1, tx: 1, data: ["flag": flag])])
        #expect(result.skipped == (runs ? 0 : 1))
        #expect((result.documents["f1"]?.body?["marked"] == .bool(true)) == runs)
    }

    @Test func undefinedSetResultRemovesTheField() async throws {
        let result = try await Support.fold(
            try balance(),
            [
                Support.event("deposited", stream: "a1", seq: 1, tx: 1, data: ["amount": 1, "note": "first"]),
                Support.event("deposited", stream: "a1", seq: 2, tx: 2, data: ["amount": 1]),
            ])
        let body = try #require(result.documents["a1"]?.body)
        #expect(body["note"] == nil)
        #expect(body["balance"] == 2)
        #expect(body.keys == ["id", "balance"])
    }

    @Test func expressionFormReplacesDeletesOrFails() async throws {
        let projection = try balance()
        let renamed = try await Support.fold(
            projection,
            [
                Support.event("opened", stream: "a1", seq: 1, tx: 1, data: ["owner": "ann"]),
                Support.event("renamed", stream: "a1", seq: 2, tx: 2, data: ["name": "Savings"]),
            ])
        #expect(renamed.documents["a1"]?.body == ["id": "a1", "balance": 0, "owner": "ann", "name": "Savings"])

        let deleted = try await Support.fold(
            projection,
            [
                Support.event("opened", stream: "a1", seq: 1, tx: 1),
                Support.event("renamed", stream: "a1", seq: 2, tx: 2, data: ["name": ""]),
            ])
        #expect(deleted.documents["a1"]?.body == nil)

        let broken = try await Support.fold(projection, [Support.event("broken", stream: "a1", seq: 1, tx: 7)])
        let failure = try #require(broken.failures.first)
        #expect(failure.error.code == .invalidResult)
        #expect(failure.error.field == "on.broken")
        #expect(failure.error.description.contains("got a number"))
    }

    @Test func deadLetterRecordsTheEventAndGoesOn() async throws {
        let projection = try Support.projection(
            """
            projection: p
            version: 1
            target: { opensearch: { index: p } }
            on:
              added: { set: { total: '$doc.total + $number($event.data.amount)' } }
            initial: '{"total": 0}'
            on_error: dead_letter
            """)
        let events = [
            Support.event("added", stream: "s", seq: 1, tx: 1, data: ["amount": "2"]),
            Support.event("added", stream: "s", seq: 2, tx: 2, data: ["amount": "two"]),
            Support.event("added", stream: "s", seq: 3, tx: 3, data: ["amount": "5"]),
        ]
        var store = DocumentTable()
        let result = try await Support.fold(projection, events, store: store)
        #expect(result.stoppedAt == nil)
        #expect(result.failures.count == 1)
        let failure = try #require(result.failures.first)
        #expect(failure.index == 1)
        #expect(failure.event == events[1])
        #expect(failure.error.code == .expressionFailed)
        #expect(failure.error.field == "on.added.set.total")
        #expect(failure.error.jsonata?.code.isEmpty == false)
        #expect(failure.error.documentKey == "s")
        #expect(failure.error.location?.line == 5)
        #expect(
            failure.error.description.hasPrefix(
                "projection p: event added bank/s seq 2 at 2:2, document s, on.added.set.total (test.yaml:5:"))
        #expect(result.documents["s"]?.body?["total"] == 7)

        // The dead-lettered event counts as processed: a replay neither fails again nor writes.
        store.apply(result.writes)
        let replay = try await Support.fold(projection, events, store: store)
        #expect(replay.failures.isEmpty)
        #expect(replay.writes.isEmpty)
    }

    @Test func stopCutsTheBatchBeforeTheFailingEvent() async throws {
        let projection = try balance(onError: "stop")
        let events = [
            Support.event("opened", stream: "a1", seq: 1, tx: 1),
            Support.event("opened", stream: "a2", seq: 1, tx: 2),
            Support.event("broken", stream: "a1", seq: 2, tx: 3),
            Support.event("opened", stream: "a3", seq: 1, tx: 4),
        ]
        let result = try await Support.fold(projection, events)
        #expect(result.stoppedAt == 2)
        #expect(result.failures.map(\.index) == [2])
        #expect(result.writes.map(\.key) == ["a1", "a2"])
        #expect(result.documents["a1"]?.metadata.streams[StreamID(service: "bank", stream: "a1")] == 1)
    }

    @Test func keyOverrideFoldsManyAggregatesIntoOneDocument() async throws {
        let projection = try Support.projection(
            """
            projection: customer
            version: 1
            target: { opensearch: { index: customer } }
            initial: '{"id": $key, "accounts": []}'
            on:
              registered: { set: { name: $event.data.name } }
              account-opened:
                key: $event.data.customer
                set: { accounts: '$append($doc.accounts, $event.stream)' }
            """)
        let events = [
            Support.event("registered", stream: "c1", seq: 1, tx: 1, data: ["name": "Ann"]),
            Support.event("account-opened", stream: "x1", seq: 1, tx: 2, data: ["customer": "c1"]),
            Support.event("account-opened", stream: "x2", seq: 1, tx: 3, data: ["customer": "c1"]),
            Support.event("account-opened", stream: "x3", seq: 1, tx: 4, data: ["customer": "c2"]),
        ]
        var store = DocumentTable()
        let result = try await Support.fold(projection, events, store: store)
        #expect(result.writes.map(\.key) == ["c1", "c2"])
        #expect(result.documents["c1"]?.body == ["id": "c1", "name": "Ann", "accounts": ["x1", "x2"]])
        // Only the customer's own stream is tracked by sequence; the others by cursor.
        #expect(result.documents["c1"]?.metadata.streams == [StreamID(service: "bank", stream: "c1"): 1])
        #expect(result.documents["c1"]?.metadata.cursor == EventCursor(transactionID: 3, position: 3))

        // Replaying the same batch (crash before the checkpoint) changes nothing.
        store.apply(result.writes)
        let replay = try await Support.fold(projection, events, store: store)
        #expect(replay.writes.isEmpty)
        #expect(replay.duplicates == 4)
        // A later event still lands.
        let later = try await Support.fold(
            projection, [Support.event("account-opened", stream: "x4", seq: 1, tx: 9, data: ["customer": "c1"])],
            store: store)
        guard case .upsert(_, let body, _)? = later.writes.first else {
            Issue.record("expected an upsert")
            return
        }
        #expect(body["accounts"] == ["x1", "x2", "x4"])
    }

    @Test func reportsKeysThatAreNotStrings() async throws {
        let projection = try Support.projection(
            """
            projection: p
            version: 1
            key: $event.data.day
            target: { dynamodb: { table: p } }
            on:
              a: { set: { n: 1 } }
            on_error: dead_letter
            """)
        let result = try await Support.fold(
            projection,
            [
                Support.event("a", stream: "s", seq: 1, tx: 1, data: ["day": 20240501]),
                Support.event("a", stream: "s", seq: 2, tx: 2, data: ["day": ["x"]]),
                Support.event("a", stream: "s", seq: 3, tx: 3, data: [:]),
            ])
        #expect(result.writes.map(\.key) == ["20240501"])
        #expect(result.failures.map(\.index) == [1, 2])
        #expect(result.failures.allSatisfy { $0.error.code == .invalidKey && $0.error.field == "key" })
        #expect(result.failures.last?.error.message.contains("got undefined") == true)
    }

    @Test func metadataRoundTripsThroughTheStoredBody() {
        let metadata = DocumentMetadata(
            version: 4, cursor: EventCursor(transactionID: 77, position: 12),
            streams: [StreamID(service: "svc", stream: "a/b"): 9, StreamID(service: "other", stream: "z"): 2],
            projectionVersion: 2)
        let json = metadata.jsonValue
        #expect(json.serialized() == #"{"v":4,"c":"77:12","s":{"other/z":2,"svc/a/b":9},"pv":2}"#)
        #expect(DocumentMetadata(json: json) == metadata)

        let stored = StoredDocument(key: "k", body: ["id": "k", "_projector": json], revision: StoreRevision(5, 1))
        var state = DocumentState(key: "k", stored: stored)
        #expect(state.body == ["id": "k"])
        #expect(state.metadata == metadata)
        #expect(state.storedBody == stored.body)
        #expect(state.makeWrite(projectionVersion: 2) == nil)

        // A document projector did not write is rebuilt from scratch.
        let foreign = DocumentState(
            key: "k", stored: StoredDocument(key: "k", body: ["id": "k"], revision: StoreRevision(1)))
        #expect(foreign.body == nil)
        #expect(foreign.revision == StoreRevision(1))
    }

    @Test func ignoresOtherServicesAndUnhandledTypes() async throws {
        let projection = try Support.projection(
            """
            projection: p
            version: 1
            source: { services: [bank] }
            target: { opensearch: { index: p } }
            on:
              a: { set: { n: 1 } }
            """)
        let result = try await Support.fold(
            projection,
            [
                Support.event("a", stream: "s", seq: 1, tx: 1, service: "shop"),
                Support.event("b", stream: "t", seq: 1, tx: 2),
            ])
        #expect(result.writes.isEmpty)
        #expect(result.documents.isEmpty)
    }
}
