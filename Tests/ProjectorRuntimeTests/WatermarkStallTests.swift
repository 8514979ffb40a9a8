import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorRuntime
import ProjectorTesting
import Testing

/// TESTPLAN 4 against the running service: a transaction that inserted an event and stays open holds the
/// watermark back for every later commit. The service must wait (never skip past it), report the stall in
/// `projector_watermark_stall_seconds` and the lag, and deliver everything, in order, once it commits.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct WatermarkStallTests {
    @Test func anOpenTransactionHoldsTheWatermarkBackAndTheStallIsReported() async throws {
        try await RuntimeHarness.with(batchSize: 20) { harness, connection in
            let (accounts, totals) = try ExactlyOnceTests.definitions(harness)
            let metrics = ProjectorMetrics()
            let service = harness.start([accounts, totals], metrics: metrics)
            try await ProcessTests.appendAccounts(count: 3, harness: harness, connection: connection)
            try await harness.waitUntilCaughtUp(accounts.name)

            try await PostgresTesting.withConnection(harness.url) { idle in
                // The idle-in-transaction writer: opens an account and does not commit yet.
                let late = TestEvent.uuid()
                try await idle.query("BEGIN", logger: RuntimeHarness.logger)
                try await harness.table.insert(
                    [TestEvent(stream: late, seq: 1, type: "opened", data: ["owner": "late"])], on: idle,
                    logger: RuntimeHarness.logger)
                let before = try #require(try await harness.database.checkpoints.read(accounts.name)).cursor

                // Later transactions commit above it.
                try await ProcessTests.appendAccounts(count: 4, harness: harness, connection: connection)
                let accountsLabel = "projection=\"\(accounts.name)\""
                let stalled = try await FaultTests.eventually(within: .seconds(20)) {
                    let stall = Self.stallSeconds(metrics) ?? 0
                    let lag = FaultTests.sample(metrics, "projector_lag_events", accountsLabel) ?? 0
                    return stall > 0.5 && lag >= 16
                }
                #expect(stalled, "the stall and the lag of the 16 committed events above the watermark show")
                let held = try #require(try await harness.database.checkpoints.read(accounts.name)).cursor
                #expect(held == before, "nothing past the open transaction is delivered")

                try await idle.query("COMMIT", logger: RuntimeHarness.logger)
            }
            try await harness.waitUntilCaughtUp(accounts.name)
            try await harness.waitUntilCaughtUp(totals.name)
            let recovered = try await FaultTests.eventually(within: .seconds(10)) { Self.stallSeconds(metrics) == 0 }
            #expect(recovered, "the stall returns to zero once the transaction commits")
            try await ExactlyOnceTests.expectViewsMatchLog(harness, accounts, totals)
            service.cancel()
            _ = await service.result
        }
    }

    /// The process-wide `projector_watermark_stall_seconds` gauge (it has no labels).
    static func stallSeconds(_ metrics: ProjectorMetrics) -> Double? {
        let prefix = "projector_watermark_stall_seconds "
        let text = String(decoding: metrics.render(), as: UTF8.self)
        return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.dropFirst(prefix.count)) }
    }
}
