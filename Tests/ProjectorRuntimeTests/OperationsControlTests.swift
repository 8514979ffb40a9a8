import Logging
import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorRuntime
import ProjectorTesting
import Testing

/// Pause/resume across instances, dead-letter retries and reset, against real servers.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct OperationsControlTests {
    @Test func pauseAndResumeTakeEffectOnWhicheverInstanceOwnsTheProjection() async throws {
        try await RuntimeHarness.with(batchSize: 20) { harness, connection in
            let accounts = try harness.accounts(version: 1)
            let first = harness.start([accounts], owner: "first")
            defer { first.cancel() }
            // Started a little later: two instances creating the alias at the same instant race (lead informed).
            try await Task.sleep(for: .milliseconds(500))
            let second = harness.start([accounts], owner: "second")
            defer { second.cancel() }
            try await harness.appendAccounts(5, deposits: 2, on: connection)
            try await harness.waitUntilCaughtUp(accounts.name)

            let control = ProjectionControl(database: harness.database, logger: RuntimeHarness.logger)
            try await control.pause(accounts)
            let checkpoints = harness.database.checkpoints
            var row = try await checkpoints.read(accounts.name)
            for _ in 0..<50 where row?.state != "paused" {
                try await Task.sleep(for: .milliseconds(100))
                row = try await checkpoints.read(accounts.name)
            }
            #expect(row?.state == "paused", "the owner acknowledges the pause")
            let pausedAt = try #require(row?.cursor)
            try await harness.appendAccounts(3, deposits: 1, on: connection)
            try await Task.sleep(for: .seconds(1))
            #expect(try await checkpoints.read(accounts.name)?.cursor == pausedAt, "nothing is processed while paused")

            try await control.resume(accounts.name)
            try await harness.waitUntilCaughtUp(accounts.name, timeout: .seconds(20))
            #expect(try await checkpoints.read(accounts.name)?.state == "running")
            first.cancel()
            second.cancel()
            _ = await (first.result, second.result)
            let (report, _) = try await harness.verify(accounts)
            #expect(report.isClean)
            #expect(report.checked == 8)
        }
    }

    @Test func deadLettersAreRetriedAfterTheDefinitionIsFixed() async throws {
        try await RuntimeHarness.with { harness, connection in
            // Broken: deposits of 13 fail (an error raised in the expression).
            let broken = try harness.projection(Self.definition(harness, fixed: false))
            let streams = try await harness.appendAccounts(4, deposits: 2, on: connection)
            try await append(
                [
                    TestEvent(stream: streams[0], seq: 4, type: "deposited", data: ["amount": 13]),
                    TestEvent(stream: streams[1], seq: 4, type: "deposited", data: ["amount": 13]),
                ],
                table: harness.table, on: connection)
            try await harness.runOnce([broken])
            let deadLetters = harness.database.deadLetters
            let letters = try await deadLetters.list(projection: broken.name)
            #expect(letters.count == 2)

            let fixed = try harness.projection(Self.definition(harness, fixed: true))
            try await harness.withSession { session in
                let store = try await session.liveTarget(fixed).store()
                let retry = DeadLetterRetry(
                    projection: fixed, store: store, deadLetters: deadLetters, logger: RuntimeHarness.logger)
                let first = try await retry.retry(ids: [letters[0].id])
                #expect(first.map(\.error) == [nil])
                #expect(try await deadLetters.count(projection: fixed.name) == 1)
                let rest = try await retry.retry(ids: nil)
                #expect(rest.count == 1 && rest[0].error == nil)
                #expect(try await deadLetters.count(projection: fixed.name) == 0)
                let documents = try await store.fetch([streams[0], streams[1], streams[2]])
                #expect(visible(documents[streams[0]]?.body)?["balance"] == 16)
                #expect(visible(documents[streams[1]]?.body)?["balance"] == 16)
                #expect(visible(documents[streams[2]]?.body)?["balance"] == 3)
            }
            // The retried events count once: a replay of the log changes nothing.
            try await harness.database.checkpoints.reset(fixed.name)
            try await harness.runOnce([fixed])
            try await harness.withSession { session in
                let store = try await session.liveTarget(fixed).store()
                #expect(visible(try await store.fetch([streams[0]])[streams[0]]?.body)?["balance"] == 16)
            }
        }
    }

    static func definition(_ harness: RuntimeHarness, fixed: Bool) -> String {
        let amount = fixed ? "$event.data.amount" : "$event.data.amount = 13 ? $error(\"unlucky\") : $event.data.amount"
        return """
            projection: dl_\(harness.suffix)
            version: 1
            target:
              opensearch:
                index: dl_\(harness.suffix)
            initial: '{"id": $key, "balance": 0}'
            on_error: dead_letter
            on:
              opened:
                set: { owner: $event.data.owner }
              deposited:
                set:
                  balance: '$doc.balance + (\(amount))'
            """
    }

    @Test func resetPausesARunningProjectionWhichThenReplaysIntoTheEmptiedView() async throws {
        try await RuntimeHarness.with { harness, connection in
            let accounts = try harness.accounts(version: 1, dynamoDB: true)
            try await harness.appendAccounts(6, deposits: 2, on: connection)
            let service = harness.start([accounts])
            defer { service.cancel() }
            try await harness.waitUntilCaughtUp(accounts.name)
            let head = try #require(try await harness.database.checkpoints.read(accounts.name)?.cursor)
            // Running: the reset pauses it, empties the view, moves the checkpoint to the start and resumes it.
            let result = try await harness.withSession { session in
                try await ProjectionReset(projection: accounts, session: session).run(owner: "ops")
            }
            #expect(result.cleared.contains("deleted 6 documents"))
            let row = try #require(try await harness.database.checkpoints.read(accounts.name))
            #expect(!row.paused, "resumed after the reset")
            // The same service replays the whole log into the emptied table.
            let replayed = try await FaultTests.eventually(within: .seconds(20)) {
                try await harness.database.checkpoints.read(accounts.name)?.cursor == head
            }
            #expect(replayed, "the running owner replays up to the head again")
            service.cancel()
            _ = await service.result
            let (report, _) = try await harness.verify(accounts)
            #expect(report.isClean && report.checked == 6)
        }
    }
}
