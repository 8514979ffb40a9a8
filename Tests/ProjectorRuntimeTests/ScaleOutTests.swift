import PostgresNIO
import ProjectorCore
@testable import ProjectorPostgres
import ProjectorRuntime
import ProjectorTesting
import Testing

/// Instances sharing one database spread the projections between them (DESIGN.md §6).
@Suite(.serialized) struct ScaleOutTests {
    /// `count` OpenSearch projections counting each stream's events.
    static func counters(_ harness: RuntimeHarness, count: Int) throws -> [Projection] {
        try (0..<count).map { index in
            try harness.projection(
                """
                projection: count\(index)_\(harness.suffix)
                target: { opensearch: { index: count\(index)_\(harness.suffix) } }
                initial: '{"id": $key, "events": 0}'
                on:
                  opened:
                    set: { events: $doc.events + 1 }
                """)
        }
    }

    /// How many of `projections` each board's instance owns now.
    static func owned(_ projections: [Projection], _ boards: [StatusBoard]) -> [Int] {
        boards.map { board in projections.filter { board.snapshot[$0.name]?.owned == true }.count }
    }

    /// Waits until `condition` holds for the owned counts (at most `timeout`); the last counts seen.
    static func waitForOwners(
        _ projections: [Projection], _ boards: [StatusBoard], timeout: Duration,
        until condition: ([Int]) -> Bool
    ) async throws -> [Int] {
        let deadline = ContinuousClock.now + timeout
        var counts = owned(projections, boards)
        while !condition(counts), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            counts = owned(projections, boards)
        }
        return counts
    }

    @Test func aLaterInstanceGetsItsShareHandedOver() async throws {
        try await RuntimeHarness.with { harness, connection in
            let projections = try Self.counters(harness, count: 4)
            let boards = [StatusBoard(), StatusBoard()]
            let first = harness.start(projections, owner: "first", board: boards[0])
            let alone = try await Self.waitForOwners(projections, boards, timeout: .seconds(20)) { $0[0] == 4 }
            #expect(alone == [4, 0], "a single instance runs every projection")

            let second = harness.start(projections, owner: "second", board: boards[1])
            let shared = try await Self.waitForOwners(projections, boards, timeout: .seconds(20)) { $0 == [2, 2] }
            #expect(shared == [2, 2])

            // Both keep working: every projection catches up with events appended now.
            try await append(
                [TestEvent(stream: TestEvent.uuid(), seq: 1, type: "opened")], table: harness.table, on: connection)
            for projection in projections {
                try await harness.waitUntilCaughtUp(projection.name, timeout: .seconds(30))
            }

            // The first instance stops: the second takes everything over.
            first.cancel()
            _ = await first.result
            for projection in projections { boards[0].update(projection.name) { $0.owned = false } }
            let after = try await Self.waitForOwners(projections, boards, timeout: .seconds(20)) { $0[1] == 4 }
            #expect(after[1] == 4)
            second.cancel()
            _ = await second.result
        }
    }

    @Test func aProjectionNoOtherInstanceRunsComesBackAndStays() async throws {
        try await RuntimeHarness.with { harness, _ in
            let projections = try Self.counters(harness, count: 4)
            let boards = [StatusBoard(), StatusBoard()]
            var options = harness.options(owner: "everything")
            options.shareGrace = .seconds(1)
            let configuration = harness.configuration
            let first = Task {
                try await ProjectorService.run(
                    configuration: configuration, projections: projections, options: options,
                    environment: RuntimeHarness.environment, board: boards[0], logger: RuntimeHarness.logger)
            }
            _ = try await Self.waitForOwners(projections, boards, timeout: .seconds(20)) { $0[0] == 4 }
            // The second instance runs only one of them: its share is 1 of 1, the first keeps the other three.
            let second = harness.start([projections[0]], owner: "one", board: boards[1])
            try await Task.sleep(for: .seconds(6))
            let counts = Self.owned(projections, boards)
            #expect(counts[0] + counts[1] == 4, "every projection has an owner: \(counts)")
            #expect(counts[0] >= 3, "the first instance keeps what the second does not run: \(counts)")
            // Settled: the same owners a while later (nothing is passed back and forth).
            let owners = projections.map { boards[0].snapshot[$0.name]?.owned == true }
            try await Task.sleep(for: .seconds(3))
            #expect(projections.map { boards[0].snapshot[$0.name]?.owned == true } == owners)
            first.cancel()
            second.cancel()
            _ = await first.result
            _ = await second.result
        }
    }

    @Test func anInstanceMarksItselfPresentAgainAfterItsSessionIsLost() async throws {
        try await RuntimeHarness.with { harness, connection in
            let schema = harness.configuration.schema
            let configuration = try harness.url.connectionConfiguration()
            let logger = RuntimeHarness.logger
            let presences = [
                try await InstancePresence.enter(
                    owner: "a", schema: schema, connectionConfiguration: configuration, logger: logger),
                try await InstancePresence.enter(
                    owner: "b", schema: schema, connectionConfiguration: configuration, logger: logger),
            ]
            func count() async throws -> Int {
                try await InstancePresence.count(schema: schema, client: harness.database.client, logger: logger)
            }
            #expect(try await count() == 2)

            // Their sessions end (as in a PostgreSQL restart): nobody is counted until they mark themselves again.
            let lockClass = Int64(UInt32(bitPattern: InstancePresence.lockClass(schema: schema)))
            try await connection.query(
                """
                SELECT pg_terminate_backend(pid) FROM pg_locks
                WHERE locktype = 'advisory' AND objsubid = 2 AND granted AND classid::int8 = \(lockClass)
                """, logger: logger)
            var remaining = try await count()
            let gone = ContinuousClock.now + .seconds(10)
            while remaining > 0, ContinuousClock.now < gone {
                try await Task.sleep(for: .milliseconds(50))
                remaining = try await count()
            }
            #expect(remaining == 0)
            let deadline = ContinuousClock.now + .seconds(10)
            var counted = 0
            while counted < 2, ContinuousClock.now < deadline {
                // Overlapping calls, as the supervisors' share checks make them: one mark each.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for presence in presences {
                        for _ in 0..<3 { group.addTask { try await presence.ensurePresent() } }
                    }
                    try await group.waitForAll()
                }
                counted = try await count()
                if counted < 2 { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(counted == 2)
            for presence in presences { await presence.leave() }
            #expect(try await count() == 0)
        }
    }
}
