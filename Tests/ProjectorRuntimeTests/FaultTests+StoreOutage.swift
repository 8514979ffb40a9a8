import Foundation
import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorRuntime
import ProjectorTesting
import Testing

/// TESTPLAN 19 and 11, issue 5 "sink outage": the view store goes away (a proxy in front of it is
/// cut) while events keep coming → the failing projection retries with backoff, its lag grows, its
/// checkpoint stays behind the unwritten documents, the supervisor keeps running; once the store
/// is back it catches up without a restart and every document equals the fold of its events.
/// A request broken midway (answer lost, or only half the request sent) is retried idempotently.
extension FaultTests {
    /// How a request is broken midway.
    enum Severing: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// The server got the whole request and applied it; its answer never arrives.
        case answerLost
        /// Only the first bytes of the request reach the server.
        case requestTruncated
        var testDescription: String { rawValue }

        /// Forwarded bytes of the severed request (`nil`: all of it).
        var afterBytes: Int? { self == .answerLost ? nil : 300 }
    }

    /// The harness with `target`'s store reached through `proxy`.
    static func proxied(_ harness: RuntimeHarness, _ target: Target, _ proxy: FaultProxy) -> RuntimeHarness {
        var configuration = harness.configuration
        switch target {
        case .openSearch: configuration.openSearch.url = proxy.url()
        case .dynamoDB: configuration.dynamoDB.endpoint = proxy.url()
        }
        return harness.with(configuration: configuration)
    }

    /// The URL of `target`'s real server.
    static func upstream(_ harness: RuntimeHarness, _ target: Target) throws -> String {
        let url = target == .openSearch ? harness.configuration.openSearch.url : harness.configuration.dynamoDB.endpoint
        return try #require(url, "no \(target) endpoint configured")
    }

    @Test(arguments: Target.allCases)
    func aViewStoreOutageGrowsLagLosesNothingAndRecoversWithoutRestart(_ target: Target) async throws {
        try await RuntimeHarness.with(batchSize: 20) { harness, connection in
            try await FaultProxy.with(upstream: try Self.upstream(harness, target)) { proxy in
                let (accounts, totals) = try ExactlyOnceTests.definitions(harness)
                // The projection behind the proxy fails; the other one must keep running meanwhile.
                let (failing, healthy) = target == .openSearch ? (accounts, totals) : (totals, accounts)
                let metrics = ProjectorMetrics()
                let board = StatusBoard()
                let service = Self.proxied(harness, target, proxy).start(
                    [accounts, totals], board: board, metrics: metrics)
                try await ProcessTests.appendAccounts(count: 5, harness: harness, connection: connection)
                try await harness.waitUntilCaughtUp(failing.name)
                try await harness.waitUntilCaughtUp(healthy.name)
                let before = try #require(try await harness.database.checkpoints.read(failing.name)?.cursor)
                let label = "projection=\"\(failing.name)\""
                let unavailable = "\(label),kind=\"unavailable\""
                let errorsBefore = Self.sample(metrics, "projector_sink_errors_total", unavailable) ?? 0

                try proxy.cut()
                let outageStarted = ContinuousClock.now
                var lagSeen: [Double] = []
                var appendedDuringOutage = 0
                // Events keep coming during the outage, in five rounds spread over it.
                for round in 0..<5 {
                    try await ProcessTests.appendAccounts(count: 2, harness: harness, connection: connection)
                    appendedDuringOutage += 2 * 4
                    let expected = Double(appendedDuringOutage)
                    let grew = try await Self.eventually(within: Self.outage) {
                        (Self.sample(metrics, "projector_lag_events", label) ?? 0) >= expected
                    }
                    #expect(grew, "lag did not reach \(expected) events in round \(round)")
                    lagSeen.append(Self.sample(metrics, "projector_lag_events", label) ?? 0)
                    let pause = Self.outage / 5 - (ContinuousClock.now - outageStarted - Self.outage / 5 * round)
                    if pause > .zero { try await Task.sleep(for: pause) }
                }
                // Still cut: the checkpoint never passed the events whose documents could not be written.
                let during = try #require(try await harness.database.checkpoints.read(failing.name))
                #expect(
                    during.cursor == before, "checkpoint moved from \(before) to \(during.cursor) during the outage")
                #expect(lagSeen == lagSeen.sorted() && (lagSeen.last ?? 0) > (lagSeen.first ?? 0), "lag \(lagSeen)")
                #expect((Self.sample(metrics, "projector_sink_errors_total", unavailable) ?? 0) > errorsBefore)
                let store = target == .openSearch ? "opensearch" : "dynamodb"
                #expect(
                    (Self.sample(metrics, "projector_store_retries_total", "store=\"\(store)\"") ?? 0) > 0,
                    "the client's re-sends are counted")
                #expect(board.snapshot[failing.name]?.state != .failed)
                #expect(board.snapshot[failing.name]?.lastError != nil)
                #expect(!service.isCancelled)
                // The other projection, whose store is up, kept going.
                try await harness.waitUntilCaughtUp(healthy.name, timeout: .seconds(20))
                #expect(board.snapshot[healthy.name]?.state == .running)

                try proxy.restore()
                try await harness.waitUntilCaughtUp(failing.name, timeout: .seconds(60))
                let recovered = try await Self.eventually(within: .seconds(10)) {
                    board.snapshot[failing.name]?.state == .running
                        && Self.sample(metrics, "projector_lag_events", label) == 0
                }
                #expect(recovered, "state \(String(describing: board.snapshot[failing.name]?.state))")
                service.cancel()
                _ = await service.result
                try await ExactlyOnceTests.expectViewsMatchLog(harness, accounts, totals)
            }
        }
    }

    @Test(arguments: Target.allCases, Severing.allCases)
    func aWriteBrokenMidRequestIsRetriedIdempotently(_ target: Target, _ severing: Severing) async throws {
        try await RuntimeHarness.with(batchSize: 20) { harness, connection in
            try await FaultProxy.with(upstream: try Self.upstream(harness, target)) { proxy in
                let (accounts, totals) = try ExactlyOnceTests.definitions(harness)
                let service = Self.proxied(harness, target, proxy).start([accounts, totals])
                try await ProcessTests.appendAccounts(count: 5, harness: harness, connection: connection)
                try await harness.waitUntilCaughtUp(accounts.name)
                try await harness.waitUntilCaughtUp(totals.name)

                let marker = target == .openSearch ? "/_bulk" : "DynamoDB_20120810.PutItem"
                try proxy.sever(nextRequestContaining: marker, afterBytes: severing.afterBytes)
                try await ProcessTests.appendAccounts(count: 5, harness: harness, connection: connection)
                try await harness.waitUntilCaughtUp(accounts.name)
                try await harness.waitUntilCaughtUp(totals.name)
                #expect(try proxy.requestsSevered() == 1, "no \(marker) request was severed")
                service.cancel()
                _ = await service.result
                try await ExactlyOnceTests.expectViewsMatchLog(harness, accounts, totals)
            }
        }
    }
}
