import Foundation
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

    @Test func sigtermWhilePostgreSQLIsDownExitsZeroWithinTenSeconds() async throws {
        guard try TestServers.databaseURL() != nil else { return }
        try await PrivatePostgres.with { server in
            try await Self.withPrivateHarness(server) { harness in
                let (accounts, _) = try ExactlyOnceTests.definitions(harness)
                let config = try ProcessTests.writeConfiguration(
                    harness, projections: ProcessTests.definitionTexts(harness))
                let process = Process()
                process.executableURL = ProcessTests.executable
                process.arguments = ["run", "--config", config.path, "--http-port", "0"]
                var environment = RuntimeHarness.environment
                environment["DATABASE_URL"] = server.urlString()
                process.environment = environment
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                try await PostgresTesting.withConnection(harness.url) { connection in
                    try await ProcessTests.appendAccounts(count: 3, harness: harness, connection: connection)
                }
                try await harness.waitUntilCaughtUp(accounts.name)

                // Every read, LISTEN and lease connection now fails and is retried: the shutdown must not wait
                // for PostgreSQL to come back.
                await server.stop()
                try await Task.sleep(for: .seconds(2))
                let signalled = ContinuousClock.now
                process.terminate()  // SIGTERM
                let exited = try await ProcessTests.waitForExit(process, timeout: .seconds(10))
                if !exited { process.interrupt() }
                #expect(exited, "did not exit within 10 s of SIGTERM while PostgreSQL was down")
                #expect(ContinuousClock.now - signalled < .seconds(10))
                #expect(!exited || process.terminationStatus == 0)
                if !exited {
                    _ = try await ProcessTests.waitForExit(process, timeout: .seconds(5))
                    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                }
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
