import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorRuntime
import ProjectorTesting
import Testing

/// TESTPLAN 9: PostgreSQL restarts (every connection dropped, the lease's advisory lock gone)
/// and a lease session killed on its own → the service reconnects, takes its leases again and
/// catches up; replayed batches are not applied twice.
extension FaultTests {
    @Test func postgresRestartReconnectsAndCatchesUp() async throws {
        guard try TestServers.databaseURL() != nil else { return }
        try await PrivatePostgres.with { server in
            try await Self.withPrivateHarness(server) { harness in
                let (accounts, totals) = try ExactlyOnceTests.definitions(harness)
                let board = StatusBoard()
                let service = harness.start([accounts, totals], board: board)
                try await PostgresTesting.withConnection(harness.url) { connection in
                    try await ProcessTests.appendAccounts(count: 10, harness: harness, connection: connection)
                }
                try await harness.waitUntilCaughtUp(accounts.name)
                try await harness.waitUntilCaughtUp(totals.name)
                let epochBefore = try #require(try await harness.database.checkpoints.read(totals.name)?.leaseEpoch)

                try await server.restart()
                // Fresh connections: everything opened before the restart is gone.
                try await PostgresTesting.withConnection(harness.url) { connection in
                    try await ProcessTests.appendAccounts(count: 10, harness: harness, connection: connection)
                }
                try await harness.waitUntilCaughtUp(accounts.name, timeout: .seconds(60))
                try await harness.waitUntilCaughtUp(totals.name, timeout: .seconds(60))
                // The old lock sessions died with the server: the leases were taken again.
                let epochAfter = try #require(try await harness.database.checkpoints.read(totals.name)?.leaseEpoch)
                #expect(epochAfter > epochBefore)
                #expect(board.snapshot[totals.name]?.owned == true)
                #expect(board.snapshot[accounts.name]?.state == .running)
                service.cancel()
                _ = await service.result
                try await ExactlyOnceTests.expectViewsMatchLog(harness, accounts, totals)
            }
        }
    }

    @Test func aKilledLeaseSessionIsRetakenWithoutDoubleApplying() async throws {
        try await RuntimeHarness.with(batchSize: 20) { harness, connection in
            let (accounts, totals) = try ExactlyOnceTests.definitions(harness)
            let board = StatusBoard()
            let service = harness.start([accounts, totals], board: board)
            try await ProcessTests.appendAccounts(count: 10, harness: harness, connection: connection)
            try await harness.waitUntilCaughtUp(accounts.name)
            try await harness.waitUntilCaughtUp(totals.name)

            var before: [String: (pid: Int32, epoch: Int64)] = [:]
            for name in [accounts.name, totals.name] {
                let epoch = try #require(try await harness.database.checkpoints.read(name)?.leaseEpoch)
                before[name] = (try await Self.terminateLeaseSession(name, on: connection), epoch)
            }
            // The next batches find the lock session gone: their checkpoint write fails, the batch is
            // replayed under a new lease, and the documents' metadata turns the replay into a no-op.
            try await ProcessTests.appendAccounts(count: 10, harness: harness, connection: connection)
            try await harness.waitUntilCaughtUp(accounts.name)
            try await harness.waitUntilCaughtUp(totals.name)
            for name in [accounts.name, totals.name] {
                let old = try #require(before[name])
                let checkpoint = try #require(try await harness.database.checkpoints.read(name))
                #expect(checkpoint.leaseEpoch > old.epoch, "\(name) was not re-acquired")
                let holder = try await Self.leaseBackend(name, on: connection)
                #expect(holder != nil && holder != old.pid, "\(name) is held by \(String(describing: holder))")
                #expect(board.snapshot[name]?.owned == true)
            }
            service.cancel()
            _ = await service.result
            try await ExactlyOnceTests.expectViewsMatchLog(harness, accounts, totals)
        }
    }
}
