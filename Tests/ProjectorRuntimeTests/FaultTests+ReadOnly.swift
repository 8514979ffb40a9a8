import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorRuntime
import ProjectorTesting
import Testing

/// TESTPLAN 9, second half: a read replica configured by mistake. A private cluster switched to
/// `default_transaction_read_only = on` under the running service stands in for one: the checkpoint
/// write fails loudly (the status board names the read-only database), never silently — the
/// checkpoint stays where it was; switched back, the service catches up on its own.
extension FaultTests {
    /// Turns `default_transaction_read_only` on or off for every session of the cluster.
    static func setReadOnly(_ readOnly: Bool, on connection: PostgresConnection) async throws {
        let value = readOnly ? "on" : "off"
        try await connection.query(
            "ALTER SYSTEM SET default_transaction_read_only = \(unescaped: value)", logger: RuntimeHarness.logger)
        try await connection.query("SELECT pg_reload_conf()", logger: RuntimeHarness.logger)
        // This session keeps writing events either way.
        try await connection.query("SET default_transaction_read_only = off", logger: RuntimeHarness.logger)
    }

    @Test func aReadOnlyDatabaseFailsCheckpointWritesLoudly() async throws {
        guard try TestServers.databaseURL() != nil else { return }
        try await PrivatePostgres.with { server in
            try await Self.withPrivateHarness(server) { harness in
                try await PostgresTesting.withConnection(harness.url) { connection in
                    let (accounts, totals) = try ExactlyOnceTests.definitions(harness)
                    let board = StatusBoard()
                    let service = harness.start([accounts, totals], board: board)
                    try await ProcessTests.appendAccounts(count: 3, harness: harness, connection: connection)
                    try await harness.waitUntilCaughtUp(accounts.name)
                    try await harness.waitUntilCaughtUp(totals.name)
                    let before = try #require(try await harness.database.checkpoints.read(accounts.name)?.cursor)

                    try await Self.setReadOnly(true, on: connection)
                    try await ProcessTests.appendAccounts(count: 3, harness: harness, connection: connection)
                    // Read together: between retries the supervisor shows `running` again while its last error stays.
                    let loud = try await Self.eventually(within: .seconds(20)) {
                        let snapshot = board.snapshot
                        return snapshot[accounts.name]?.lastError?.contains("read-only") == true
                            && snapshot[accounts.name]?.state != .running
                            && snapshot[totals.name]?.lastError?.contains("read-only") == true
                    }
                    #expect(loud, "board: \(board.snapshot.mapValues { "\($0.state): \($0.lastError ?? "-")" })")
                    #expect(try await harness.database.checkpoints.read(accounts.name)?.cursor == before)

                    try await Self.setReadOnly(false, on: connection)
                    try await harness.waitUntilCaughtUp(accounts.name, timeout: .seconds(60))
                    try await harness.waitUntilCaughtUp(totals.name, timeout: .seconds(60))
                    service.cancel()
                    _ = await service.result
                    try await ExactlyOnceTests.expectViewsMatchLog(harness, accounts, totals)
                }
            }
        }
    }
}
