import Logging
import PostgresNIO
import ProjectorCore
import ProjectorDynamoDB
import ProjectorOpenSearch
import ProjectorPostgres
import ProjectorRuntime
import ProjectorTesting
import Testing

/// The heart of the suite: concurrent writers, late commits, replays and takeovers must leave
/// every document equal to the fold of its events, each event applied once, in stream order.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ExactlyOnceTests {
    /// A stream-keyed projection (OpenSearch) that records the order it saw, and a multi-stream
    /// one (DynamoDB) that counts everything: any loss, duplicate or reorder changes them.
    static func definitions(_ harness: RuntimeHarness) throws -> (accounts: Projection, totals: Projection) {
        let accounts = try harness.projection(
            """
            projection: acct_\(harness.suffix)
            version: 1
            target:
              opensearch:
                index: acct_\(harness.suffix)
            on:
              opened:
                set: { owner: $event.data.owner, balance: 0, seqs: '[$event.seq]' }
              deposited:
                set:
                  balance: $doc.balance + $event.data.amount
                  seqs: '$append($doc.seqs, $event.seq)'
            """)
        let totals = try harness.projection(
            """
            projection: totals_\(harness.suffix)
            version: 1
            key: '"all"'
            target:
              dynamodb:
                table: totals_\(harness.suffix)
            initial: '{"id": $key, "events": 0, "amount": 0}'
            on:
              opened:
                set: { events: $doc.events + 1 }
              deposited:
                set: { events: $doc.events + 1, amount: $doc.amount + $event.data.amount }
            """)
        return (accounts, totals)
    }

    /// Checks the views against the log: every account equals the fold of its stream, the
    /// totals document counted every event once.
    static func expectViewsMatchLog(_ harness: RuntimeHarness, _ accounts: Projection, _ totals: Projection)
        async throws
    {
        let streams = try await harness.eventsByStream()
        try await ViewStores.withViewStores(
            configuration: harness.configuration, environment: RuntimeHarness.environment, logger: RuntimeHarness.logger
        ) { stores in
            let accountStore = try await stores.store(for: accounts, prepare: false)
            let documents = try await accountStore.fetch(Array(streams.keys))
            var allEvents = 0
            var allAmount = 0
            for (stream, events) in streams {
                allEvents += events.count
                let amount = events.compactMap { $0.data["amount"]?.doubleValue }.reduce(0, +)
                allAmount += Int(amount)
                let expected: JSONValue = [
                    "id": .string(stream), "owner": events[0].data["owner"] ?? .null,
                    "balance": .int(Int(amount)), "seqs": .array(events.map { .int(Int($0.seq)) }),
                ]
                #expect(visible(documents[stream]?.body) == expected, "account \(stream)")
            }
            let totalsStore = try await stores.store(for: totals, prepare: false)
            let total = try await totalsStore.fetch(["all"])["all"]
            #expect(visible(total?.body) == ["id": "all", "events": .int(allEvents), "amount": .int(allAmount)])
        }
    }

    @Test func concurrentWritersWithLateCommitsAreAppliedOnceInStreamOrder() async throws {
        try await RuntimeHarness.with(batchSize: 50) { harness, connection in
            let (accounts, totals) = try Self.definitions(harness)
            let metrics = ProjectorMetrics()
            let service = harness.start([accounts, totals], metrics: metrics)

            // 8 writers, each owning its aggregates, commit with random delays while the service runs.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        try await PostgresTesting.withConnection(harness.url) { connection in
                            var seqs: [String: Int] = [:]
                            let streams = (0..<10).map { _ in TestEvent.uuid() }
                            for step in 0..<120 {
                                let stream = streams[(step * 7 + writer) % streams.count]
                                let seq = (seqs[stream] ?? 0) + 1
                                seqs[stream] = seq
                                let event =
                                    seq == 1
                                    ? TestEvent(
                                        stream: stream, seq: 1, type: "opened", data: ["owner": .string("w\(writer)")])
                                    : TestEvent(
                                        stream: stream, seq: seq, type: "deposited", data: ["amount": .int(step)])
                                try await append(
                                    [event], table: harness.table, on: connection,
                                    holdFor: .milliseconds(Int.random(in: 0...8)))
                            }
                        }
                    }
                }
                // The xid-first interleaving, repeatedly: A takes its transaction id first, B commits seq 1,
                // then A commits seq 2 of the same stream. Delivery order shows seq 2 first.
                group.addTask {
                    try await PostgresTesting.withConnection(harness.url) { first in
                        try await PostgresTesting.withConnection(harness.url) { second in
                            for round in 0..<15 {
                                let stream = TestEvent.uuid()
                                try await first.query("BEGIN", logger: RuntimeHarness.logger)
                                try await first.query("SELECT pg_current_xact_id()", logger: RuntimeHarness.logger)
                                try await append(
                                    [
                                        TestEvent(
                                            stream: stream, seq: 1, type: "opened",
                                            data: ["owner": .string("x\(round)")])
                                    ],
                                    table: harness.table, on: second)
                                try await harness.table.insert(
                                    [TestEvent(stream: stream, seq: 2, type: "deposited", data: ["amount": 5])],
                                    on: first, logger: RuntimeHarness.logger)
                                try await Task.sleep(for: .milliseconds(20))
                                try await first.query("COMMIT", logger: RuntimeHarness.logger)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            try await harness.waitUntilCaughtUp(accounts.name)
            try await harness.waitUntilCaughtUp(totals.name)
            service.cancel()
            _ = await service.result
            try await Self.expectViewsMatchLog(harness, accounts, totals)
            // The late commits really arrived out of stream order and were repaired from the log.
            let exposition = String(decoding: metrics.render(), as: UTF8.self)
            let refolds = exposition.split(separator: "\n").first {
                $0.hasPrefix("projector_refolds_total{projection=\"\(accounts.name)\"}")
            }
            #expect((refolds?.split(separator: " ").last.flatMap { Double($0) } ?? 0) >= 1)
        }
    }

    @Test func replayingTheWholeLogChangesNothing() async throws {
        try await RuntimeHarness.with { harness, connection in
            let (accounts, totals) = try Self.definitions(harness)
            var events: [TestEvent] = []
            for index in 0..<40 {
                let stream = TestEvent.uuid()
                events.append(TestEvent(stream: stream, seq: 1, type: "opened", data: ["owner": .string("o\(index)")]))
                for seq in 2...6 {
                    events.append(TestEvent(stream: stream, seq: seq, type: "deposited", data: ["amount": .int(seq)]))
                }
            }
            try await append(events, table: harness.table, on: connection)
            try await harness.runOnce([accounts, totals])
            try await Self.expectViewsMatchLog(harness, accounts, totals)

            // As after a crash between the view-store write and the checkpoint: every event comes again.
            for projection in [accounts, totals] {
                try await harness.database.checkpoints.reset(projection.name)
            }
            try await harness.runOnce([accounts, totals])
            try await Self.expectViewsMatchLog(harness, accounts, totals)
        }
    }

    /// Never two owners of a projection; exactly one each once any handover (instances spread the projections
    /// between them) is done, within 10 s.
    static func expectOneOwnerEach(_ names: [String], _ boards: [StatusBoard]) async throws {
        func ownerCounts() -> [Int] {
            names.map { name in boards.filter { $0.snapshot[name]?.owned == true }.count }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        var counts = ownerCounts()
        while counts.contains(where: { $0 != 1 }), ContinuousClock.now < deadline {
            #expect(counts.allSatisfy { $0 <= 1 }, "owners per projection: \(counts)")
            try await Task.sleep(for: .milliseconds(20))
            counts = ownerCounts()
        }
        #expect(counts.allSatisfy { $0 == 1 }, "owners per projection: \(counts)")
    }

    @Test func threeInstancesShareProjectionsAndSurviveAKilledOwner() async throws {
        try await RuntimeHarness.with(batchSize: 20) { harness, connection in
            let (accounts, totals) = try Self.definitions(harness)
            let projections = [accounts, totals]
            let boards = (0..<3).map { _ in StatusBoard() }
            var services = (0..<3).map { index in
                harness.start(projections, owner: "instance-\(index)", board: boards[index])
            }
            try await ProcessTests.appendAccounts(count: 10, harness: harness, connection: connection)
            try await harness.waitUntilCaughtUp(accounts.name, timeout: .seconds(30))
            func owners(_ name: String) -> [Int] {
                boards.indices.filter { boards[$0].snapshot[name]?.owned == true }
            }
            try await Self.expectOneOwnerEach(projections.map(\.name), boards)
            // Kill whichever instance owns the accounts projection; another one takes it over.
            let victim = try #require(owners(accounts.name).first)
            services[victim].cancel()
            _ = await services[victim].result
            boards[victim].update(accounts.name) { $0.owned = false }
            boards[victim].update(totals.name) { $0.owned = false }
            try await ProcessTests.appendAccounts(count: 10, harness: harness, connection: connection)
            try await harness.waitUntilCaughtUp(accounts.name, timeout: .seconds(30))
            try await harness.waitUntilCaughtUp(totals.name, timeout: .seconds(30))
            try await Self.expectOneOwnerEach(projections.map(\.name), boards)
            let survivors = owners(accounts.name)
            #expect(survivors.count == 1 && survivors.first != victim)
            for index in services.indices where index != victim { services[index].cancel() }
            for index in services.indices { _ = await services[index].result }
            services.removeAll()
            try await Self.expectViewsMatchLog(harness, accounts, totals)
        }
    }

    @Test func aSecondInstanceTakesOverWhenTheOwnerStops() async throws {
        try await RuntimeHarness.with(batchSize: 20) { harness, connection in
            let (accounts, totals) = try Self.definitions(harness)
            let firstBoard = StatusBoard()
            let secondBoard = StatusBoard()
            let first = harness.start([accounts, totals], owner: "first", board: firstBoard)
            try await Task.sleep(for: .milliseconds(500))
            let second = harness.start([accounts, totals], owner: "second", board: secondBoard)

            var streams: [String] = []
            for round in 0..<30 {
                let stream = TestEvent.uuid()
                streams.append(stream)
                try await append(
                    [
                        TestEvent(stream: stream, seq: 1, type: "opened", data: ["owner": .string("r\(round)")]),
                        TestEvent(stream: stream, seq: 2, type: "deposited", data: ["amount": 3]),
                    ], table: harness.table, on: connection)
                if round == 10 {
                    try await Self.expectOneOwnerEach([accounts.name, totals.name], [firstBoard, secondBoard])
                    first.cancel()
                    _ = await first.result
                }
            }
            try await harness.waitUntilCaughtUp(accounts.name, timeout: .seconds(30))
            try await harness.waitUntilCaughtUp(totals.name, timeout: .seconds(30))
            #expect(secondBoard.snapshot[accounts.name]?.owned == true)
            second.cancel()
            _ = await second.result
            try await Self.expectViewsMatchLog(harness, accounts, totals)
        }
    }
}
