import Logging
import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorRuntime
import ProjectorTesting
import Testing

/// `verify` and `preview` against real servers.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct OperationsVerifyTests {
    @Test func verifyFindsNoDriftAfterACleanRunThenChangedAndDeletedDocuments() async throws {
        try await RuntimeHarness.with { harness, connection in
            let accounts = try harness.accounts(version: 1)
            let streams = try await harness.appendAccounts(30, deposits: 4, on: connection)
            // One account closed: its document is deleted, which verify must not report.
            try await append(
                [TestEvent(stream: streams[0], seq: 6, type: "closed")], table: harness.table, on: connection)
            try await harness.runOnce([accounts])

            let (clean, none) = try await harness.verify(accounts)
            #expect(clean.isClean)
            #expect(clean.checked == 29)
            #expect(none.isEmpty)

            // Behind projector's back: one document changed, one deleted.
            try await harness.withSession { session in
                let store = try await session.liveTarget(accounts).store()
                let stored = try await store.fetch([streams[1], streams[2]])
                let changedDocument = try #require(stored[streams[1]])
                guard case .object(var body) = changedDocument.body else { throw CancellationError() }
                body["balance"] = 999_999
                let deletedDocument = try #require(stored[streams[2]])
                let outcomes = try await store.apply([
                    .upsert(key: streams[1], body: .object(body), expected: changedDocument.revision),
                    .delete(key: streams[2], expected: deletedDocument.revision),
                ])
                #expect(outcomes.allSatisfy { if case .applied = $0 { true } else { false } })
            }
            let (report, drifts) = try await harness.verify(accounts)
            #expect(!report.isClean)
            #expect(report.drifted == 2)
            let byKey = Dictionary(uniqueKeysWithValues: drifts.map { ($0.key, $0) })
            #expect(byKey[streams[1]]?.kind == .changed)
            #expect(byKey[streams[1]]?.differences.map(\.path) == [".balance"])
            #expect(byKey[streams[1]]?.differences.first?.actual == 999_999)
            #expect(byKey[streams[1]]?.differences.first?.expected == 10)
            #expect(byKey[streams[2]]?.kind == .missing)

            // A sample of 5 looks at 5 stored documents only.
            let (sampled, _) = try await harness.verify(accounts, sample: 5)
            #expect(sampled.checked == 5)
            #expect(sampled.drifted <= 1)
        }
    }

    @Test func verifyIgnoresEventsAStoredDocumentHasNotReachedYet() async throws {
        try await RuntimeHarness.with { harness, connection in
            let accounts = try harness.accounts(version: 1, dynamoDB: true)
            let streams = try await harness.appendAccounts(5, deposits: 2, on: connection)
            try await harness.runOnce([accounts])
            // New events the (stopped) service has not applied: documents are behind the log, not drifted.
            try await append(
                streams.map { TestEvent(stream: $0, seq: 4, type: "deposited", data: ["amount": 100]) },
                table: harness.table, on: connection)
            let (report, drifts) = try await harness.verify(accounts)
            #expect(report.isClean, "\(drifts)")
            #expect(report.checked == 5)
        }
    }

    @Test func previewFoldsAnAggregateWithAThousandEvents() async throws {
        try await RuntimeHarness.with { harness, connection in
            let accounts = try harness.accounts(version: 1)
            let stream = TestEvent.uuid()
            var events = [TestEvent(stream: stream, seq: 1, type: "opened", data: ["owner": "ann"])]
            for seq in 2...1_000 {
                events.append(TestEvent(stream: stream, seq: seq, type: "deposited", data: ["amount": 2]))
            }
            try await append(events, table: harness.table, on: connection)
            try await harness.appendAccounts(3, deposits: 1, on: connection)
            let preview = ProjectionPreview(log: ProjectionLog(projection: accounts, reader: harness.database.reader))
            let result = try await preview.run(key: stream)
            #expect(result.events == 1_000)
            #expect(result.document.map(JSONValue.object) == ["id": .string(stream), "balance": 1_998, "owner": "ann"])

            // Up to a position: the first 11 events.
            let all = try await harness.database.reader.streamEvents(service: "svc", stream: stream)
            let early = try await preview.run(key: stream, limit: .position(all[10].cursor.position))
            #expect(early.document?["balance"] == 20)

            // No events for an unknown key; nothing was written anywhere.
            #expect(try await preview.run(key: TestEvent.uuid()).events == 0)
            #expect(try await harness.database.checkpoints.read(accounts.name) == nil)
        }
    }

    @Test func previewOfAMultiStreamKeyScansTheLog() async throws {
        try await RuntimeHarness.with { harness, connection in
            let totals = try harness.projection(
                """
                projection: owners_\(harness.suffix)
                version: 1
                key: $event.data.owner
                target:
                  opensearch:
                    index: owners_\(harness.suffix)
                initial: '{"id": $key, "accounts": 0}'
                on:
                  opened:
                    set: { accounts: $doc.accounts + 1 }
                """)
            try await append(
                (0..<7).map {
                    TestEvent(
                        stream: TestEvent.uuid(), seq: 1, type: "opened",
                        data: ["owner": .string($0 % 2 == 0 ? "ann" : "bob")])
                },
                table: harness.table, on: connection)
            let preview = ProjectionPreview(log: ProjectionLog(projection: totals, reader: harness.database.reader))
            let ann = try await preview.run(key: "ann")
            #expect(ann.events == 4)
            #expect(ann.document.map(JSONValue.object) == ["id": "ann", "accounts": 4])
        }
    }
}
