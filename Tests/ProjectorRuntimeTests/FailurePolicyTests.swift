import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorRuntime
import ProjectorTesting
import Synchronization
import Testing

/// Poison events and documents the store refuses: `on_error: stop` parks the projection at the
/// event (others keep running); `on_error: dead_letter` records it and goes on. Never a silently
/// advanced checkpoint.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct FailurePolicyTests {
    static func definition(_ harness: RuntimeHarness, name: String, policy: String) throws -> Projection {
        try harness.projection(
            """
            projection: \(name)_\(harness.suffix)
            version: 1
            target:
              opensearch:
                index: \(name)_\(harness.suffix)
                mappings: { properties: { amount: { type: long } } }
            on:
              deposited:
                set:
                  total: '$doc.total + $event.data.amount'
                  amount: $event.data.raw
            initial: '{"id": $key, "total": 0}'
            on_error: \(policy)
            """)
    }

    /// Three events on one stream; the second has a string amount (an expression error: `+` on a string).
    static func poisonStream(_ harness: RuntimeHarness, on connection: PostgresConnection) async throws -> String {
        let stream = TestEvent.uuid()
        try await append(
            [
                TestEvent(stream: stream, seq: 1, type: "deposited", data: ["amount": 1, "raw": 1]),
                TestEvent(stream: stream, seq: 2, type: "deposited", data: ["amount": "lots", "raw": 2]),
                TestEvent(stream: stream, seq: 3, type: "deposited", data: ["amount": 4, "raw": 3]),
            ], table: harness.table, on: connection)
        return stream
    }

    @Test func stopParksTheProjectionAtThePoisonEventWhileOthersRun() async throws {
        try await RuntimeHarness.with { harness, connection in
            let stopping = try Self.definition(harness, name: "stopping", policy: "stop")
            let healthy = try harness.projection(
                """
                projection: healthy_\(harness.suffix)
                version: 1
                target: { opensearch: { index: healthy_\(harness.suffix) } }
                on:
                  deposited: { set: { seen: true } }
                """)
            _ = try await Self.poisonStream(harness, on: connection)
            let board = StatusBoard()
            let service = harness.start([stopping, healthy], board: board)
            try await harness.waitUntilCaughtUp(healthy.name)

            var row = try await harness.database.checkpoints.read(stopping.name)
            let deadline = ContinuousClock.now + .seconds(20)
            while row?.state != "failed", ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                row = try await harness.database.checkpoints.read(stopping.name)
            }
            let events = try await harness.eventsByStream().values.flatMap { $0 }.sorted { $0.seq < $1.seq }
            #expect(row?.state == "failed")
            #expect(row?.errorPosition == events[1].cursor.description)
            #expect(row?.lastError?.contains("deposited") == true)
            // The checkpoint stays before the poison event: nothing past it is skipped.
            #expect(row?.cursor == events[0].cursor)
            #expect(board.snapshot[stopping.name]?.state == .failed)
            #expect(board.readiness(maximumLagSeconds: 60).ready == false)
            service.cancel()
            _ = await service.result
        }
    }

    @Test func deadLetterRecordsThePoisonEventAndGoesOn() async throws {
        try await RuntimeHarness.with { harness, connection in
            let lenient = try Self.definition(harness, name: "lenient", policy: "dead_letter")
            let stream = try await Self.poisonStream(harness, on: connection)
            try await harness.runOnce([lenient])

            let letters = try await harness.database.deadLetters.list(projection: lenient.name)
            #expect(letters.count == 1)
            #expect(letters.first?.event.seq == 2)
            #expect(letters.first?.error.isEmpty == false)
            let document = try await harness.storedDocuments([stream], of: lenient)[stream]
            #expect(visible(document?.body) == ["id": .string(stream), "total": 5, "amount": 3])
        }
    }

    @Test func aDocumentTheStoreRejectsFollowsThePolicyAndTheRestLands() async throws {
        try await RuntimeHarness.with { harness, connection in
            let lenient = try Self.definition(harness, name: "mapping", policy: "dead_letter")
            let good = TestEvent.uuid()
            let bad = TestEvent.uuid()
            try await append(
                [
                    TestEvent(stream: good, seq: 1, type: "deposited", data: ["amount": 1, "raw": 10]),
                    // "amount" is mapped as long: OpenSearch refuses this document (mapping error).
                    TestEvent(stream: bad, seq: 1, type: "deposited", data: ["amount": 1, "raw": "not a number"]),
                ], table: harness.table, on: connection)
            try await harness.runOnce([lenient])
            let letters = try await harness.database.deadLetters.list(projection: lenient.name)
            #expect(letters.map(\.event.stream) == [bad])
            #expect(letters.first?.error.contains("rejected") == true)
            let documents = try await harness.storedDocuments([good, bad], of: lenient)
            #expect(visible(documents[good]?.body) == ["id": .string(good), "total": 1, "amount": 10])
            #expect(documents[bad] == nil)
        }
    }

    @Test func metricsAndHealthAreServed() async throws {
        try await RuntimeHarness.with { harness, connection in
            let projection = try harness.projection(
                """
                projection: served_\(harness.suffix)
                version: 1
                target: { opensearch: { index: served_\(harness.suffix) } }
                on:
                  deposited: { set: { seen: true } }
                """)
            try await append(
                [TestEvent(stream: TestEvent.uuid(), seq: 1, type: "deposited")], table: harness.table,
                on: connection)
            let port = Mutex<Int?>(nil)
            var options = harness.options(owner: "http")
            options.httpPort = 0
            options.onHTTPStart = { bound in port.withLock { $0 = bound } }
            let service = Task { [options, configuration = harness.configuration] in
                try await ProjectorService.run(
                    configuration: configuration, projections: [projection], options: options,
                    environment: RuntimeHarness.environment, logger: RuntimeHarness.logger)
            }
            try await harness.waitUntilCaughtUp(projection.name)
            var bound: Int?
            for _ in 0..<50 where bound == nil {
                bound = port.withLock { $0 }
                if bound == nil { try await Task.sleep(for: .milliseconds(100)) }
            }
            let base = "http://127.0.0.1:\(try #require(bound))"
            let live = try await HTTPClient.shared.get(url: base + "/health/live").get()
            #expect(live.status == .ok)
            var ready = try await HTTPClient.shared.get(url: base + "/health/ready").get()
            for _ in 0..<50 where ready.status != .ok {
                try await Task.sleep(for: .milliseconds(100))
                ready = try await HTTPClient.shared.get(url: base + "/health/ready").get()
            }
            #expect(ready.status == .ok)
            let metrics = try await HTTPClient.shared.get(url: base + "/metrics").get()
            let text = metrics.body.map { String(buffer: $0) } ?? ""
            for name in [
                "projector_events_total", "projector_batches_total", "projector_batch_duration_seconds_bucket",
                "projector_sink_errors_total", "projector_lag_events", "projector_lag_seconds",
                "projector_watermark_stall_seconds", "projector_projection_state",
            ] {
                #expect(text.contains(name), "missing \(name)")
            }
            #expect(text.contains("projector_events_total{projection=\"\(projection.name)\"} 1"))
            service.cancel()
            _ = await service.result
        }
    }
}
