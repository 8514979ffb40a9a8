import Foundation
import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorRuntime
import ProjectorTesting
import Testing

/// The `projector run` binary as operators run it: SIGTERM drains and exits 0 in time; SIGKILL
/// at any moment followed by a restart converges to the same views.
@Suite(.serialized, .timeLimit(.minutes(8)))
struct ProcessTests {
    /// The `projector` executable built next to the test bundle.
    static var executable: URL {
        let bundle = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
        return bundle.appendingPathComponent("projector")
    }

    /// Writes `projector.yaml` and the projections for the harness into a temporary folder.
    static func writeConfiguration(_ harness: RuntimeHarness, projections: [String: String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("projector-\(harness.suffix)")
        let definitions = folder.appendingPathComponent("projections")
        try FileManager.default.createDirectory(at: definitions, withIntermediateDirectories: true)
        for (name, text) in projections {
            try text.write(to: definitions.appendingPathComponent("\(name).yaml"), atomically: true, encoding: .utf8)
        }
        let configuration = harness.configuration
        let yaml = """
            postgres:
              url: \(TestServers.environment("DATABASE_URL") ?? "")
            events:
              table: \(configuration.events.table.schema.name).\(configuration.events.table.table.name)
              channel: \(configuration.events.channel.name)
              poll_interval: 200ms
              batch_size: 50
            schema: \(configuration.schema.name)
            opensearch:
              url: \(configuration.openSearch.url ?? "")
            dynamodb:
              region: eu-west-1
              endpoint: \(configuration.dynamoDB.endpoint ?? "")
            projections: \(definitions.path)
            """
        let file = folder.appendingPathComponent("projector.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    static func launch(config: URL, log: URL) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["run", "--config", config.path, "--http-port", "0"]
        var environment = RuntimeHarness.environment
        environment["LOG_LEVEL"] = "info"
        process.environment = environment
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    static func waitForExit(_ process: Process, timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        return !process.isRunning
    }

    @Test func sigtermFinishesTheBatchWritesTheCheckpointAndExitsZero() async throws {
        try await RuntimeHarness.with { harness, connection in
            let (accounts, totals) = try ExactlyOnceTests.definitions(harness)
            let config = try Self.writeConfiguration(
                harness, projections: Self.definitionTexts(harness))
            let log = config.deletingLastPathComponent().appendingPathComponent("run.log")
            let process = try Self.launch(config: config, log: log)
            try await Self.appendAccounts(count: 30, harness: harness, connection: connection)
            try await harness.waitUntilCaughtUp(accounts.name)
            try await harness.waitUntilCaughtUp(totals.name)

            let signalled = ContinuousClock.now
            process.terminate()  // SIGTERM
            let exited = try await Self.waitForExit(process, timeout: .seconds(10))
            #expect(exited, "did not exit within 10 s of SIGTERM")
            #expect(ContinuousClock.now - signalled < .seconds(10))
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == 0)
            let head = try await harness.database.reader.headCursor()
            #expect(try await harness.database.checkpoints.read(accounts.name)?.cursor == head)
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            #expect(text.contains("stopped"))
            // Logs never carry the password of the URL or document bodies at info level.
            #expect(!text.contains("\"balance\""))
            if !exited { process.interrupt() }
        }
    }

    @Test func sigtermDuringABackgroundRebuildExitsZeroWithinTenSecondsAndTheNextStartContinuesIt() async throws {
        try await RuntimeHarness.with { harness, connection in
            let name = "bench_\(harness.suffix)"
            func definition(_ version: Int) -> String {
                """
                projection: \(name)
                version: \(version)
                target: { opensearch: { index: \(name) } }
                initial: '{"id": $key, "n": 0}'
                on:
                  bench-event: { set: { n: $doc.n + 1, amount: $event.data.amount } }
                """
            }
            let config = try Self.writeConfiguration(harness, projections: ["bench": definition(2)])
            try (String(contentsOf: config, encoding: .utf8) + "\nruntime:\n  rebuild: auto\n")
                .write(to: config, atomically: true, encoding: .utf8)
            // A view at version 1 at the head, without replaying it: version 2 makes `run` rebuild the whole log.
            try await harness.table.insertGenerated(
                count: 400_000, streams: 2_000, payloadBytes: 200, on: connection, logger: RuntimeHarness.logger)
            let head = try #require(try await harness.database.reader.headCursor())
            _ = try await harness.database.checkpoints.register(name, version: 1)
            try await harness.database.checkpoints.reset(name, to: head)

            let log = config.deletingLastPathComponent().appendingPathComponent("rebuild.log")
            let process = try Self.launch(config: config, log: log)
            let rebuilding = try await FaultTests.eventually(within: .seconds(30)) {
                try Self.statusRows(config)[name]?["state"]?.stringValue == "rebuilding"
            }
            #expect(rebuilding, "status shows the background rebuild")
            try await Task.sleep(for: .seconds(1))
            let signalled = ContinuousClock.now
            process.terminate()  // SIGTERM
            let exited = try await Self.waitForExit(process, timeout: .seconds(10))
            if !exited { process.interrupt() }
            #expect(exited, "a rebuild in progress must not hold the shutdown past 10 s")
            #expect(ContinuousClock.now - signalled < .seconds(10))
            #expect(process.terminationStatus == 0)
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            #expect(text.contains("rebuild interrupted by shutdown"), "\(text.suffix(2_000))")

            // The next start continues the build and switches over.
            let once = try Self.capture(["run", "--once", "--http-port", "0", "--config", config.path])
            #expect(once.status == 0, "\(once.output.suffix(2_000))")
            #expect(once.output.contains("continuing an interrupted rebuild"))
            #expect(try await harness.database.checkpoints.read(name)?.projectionVersion == 2)
        }
    }

    @Test func ctrlCStopsARebuildBetweenBatchesWithStatus130AndRunningItAgainContinues() async throws {
        try await RuntimeHarness.with { harness, connection in
            let name = "bench_\(harness.suffix)"
            let config = try Self.writeConfiguration(
                harness,
                projections: [
                    "bench": """
                    projection: \(name)
                    version: 1
                    target: { opensearch: { index: \(name) } }
                    on:
                      bench-event: { set: { amount: $event.data.amount } }
                    """
                ])
            try await harness.table.insertGenerated(
                count: 200_000, streams: 1_000, payloadBytes: 200, on: connection, logger: RuntimeHarness.logger)
            let rebuild = Process()
            rebuild.executableURL = Self.executable
            rebuild.arguments = ["rebuild", name, "--config", config.path, "--checkpoint-interval", "0"]
            rebuild.environment = RuntimeHarness.environment
            let pipe = Pipe()
            rebuild.standardOutput = pipe
            rebuild.standardError = pipe
            try rebuild.run()
            try await Task.sleep(for: .seconds(2))
            rebuild.interrupt()  // SIGINT, as Ctrl-C
            let exited = try await Self.waitForExit(rebuild, timeout: .seconds(10))
            if !exited { rebuild.terminate() }
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(exited && rebuild.terminationReason == .exit && rebuild.terminationStatus == 130, "\(output)")
            #expect(output.contains("interrupted (SIGINT)") && output.contains("run the same command again"))
            let build = try await harness.database.checkpoints.read(ProjectionRebuild.buildRowName(name))
            #expect((build?.cursor ?? .start) > .start, "the build's checkpoint keeps what was done")

            let again = try Self.capture(["rebuild", name, "--config", config.path])
            #expect(again.status == 0 && again.output.contains("(continued)"), "\(again.output.suffix(1_000))")
        }
    }

    @Test func sigkillAtRandomMomentsConvergesToTheSameViews() async throws {
        try await RuntimeHarness.with { harness, connection in
            let (accounts, totals) = try ExactlyOnceTests.definitions(harness)
            let config = try Self.writeConfiguration(harness, projections: Self.definitionTexts(harness))
            let log = config.deletingLastPathComponent().appendingPathComponent("kill.log")
            let rounds = Int(ProcessInfo.processInfo.environment["PROJECTOR_KILL_ROUNDS"] ?? "") ?? 20
            for _ in 0..<rounds {
                let process = try Self.launch(config: config, log: log)
                async let writes: Void = Self.appendAccounts(count: 15, harness: harness, connection: connection)
                try await Task.sleep(for: .milliseconds(Int.random(in: 150...900)))
                kill(process.processIdentifier, SIGKILL)
                try await writes
                _ = try await Self.waitForExit(process, timeout: .seconds(5))
            }
            let process = try Self.launch(config: config, log: log)
            try await harness.waitUntilCaughtUp(accounts.name)
            try await harness.waitUntilCaughtUp(totals.name)
            process.terminate()
            _ = try await Self.waitForExit(process, timeout: .seconds(10))
            try await ExactlyOnceTests.expectViewsMatchLog(harness, accounts, totals)
        }
    }

    @Test func runOnceThenStatusReportsEveryProjection() async throws {
        try await RuntimeHarness.with { harness, connection in
            let (accounts, totals) = try ExactlyOnceTests.definitions(harness)
            let config = try Self.writeConfiguration(harness, projections: Self.definitionTexts(harness))
            try await Self.appendAccounts(count: 5, harness: harness, connection: connection)
            let once = try Self.capture(["run", "--once", "--http-port", "0", "--config", config.path])
            #expect(once.status == 0, "run --once: \(once.output)")

            // The --once process has exited: nobody holds the leases, so the projections are stopped.
            let head = try await harness.database.reader.headCursor()
            for (name, row) in try Self.statusRows(config) where [accounts.name, totals.name].contains(name) {
                #expect(row["version"] == 1)
                #expect(row["position"]?.stringValue == head?.description)
                #expect(row["lag_events"] == 0)
                #expect(row["state"]?.stringValue == "stopped", "\(name)")
                #expect(row["owner"]?.stringValue?.isEmpty == false, "the last owner stays visible")
            }
            let table = try Self.capture(["status", "--config", config.path])
            #expect(table.output.contains("PROJECTION") && table.output.contains(accounts.name))

            // While an instance runs them, they are running and owned by it.
            let service = harness.start([accounts, totals], owner: "status-test")
            try await harness.waitUntilCaughtUp(accounts.name)
            let running = try await FaultTests.eventually(within: .seconds(20)) {
                let rows = try Self.statusRows(config)
                return [accounts.name, totals.name].allSatisfy {
                    rows[$0]?["state"]?.stringValue == "running" && rows[$0]?["owner"]?.stringValue == "status-test"
                }
            }
            #expect(running, "status did not show both projections running under status-test")
            service.cancel()
            _ = await service.result
        }
    }

    /// `projector status --json`, one row per projection by name.
    static func statusRows(_ config: URL) throws -> [String: JSONValue] {
        let status = try capture(["status", "--json", "--config", config.path])
        #expect(status.status == 0, "status: \(status.output)")
        var rows: [String: JSONValue] = [:]
        for line in status.output.split(separator: "\n") {
            if let row = try? JSONValue(parsing: String(line)), let name = row["projection"]?.stringValue {
                rows[name] = row
            }
        }
        return rows
    }

    /// Runs the binary to completion (in `environment`, default the harness's); exit status and combined output.
    static func capture(_ arguments: [String], environment: [String: String]? = nil) throws
        -> (status: Int32, output: String)
    {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment ?? RuntimeHarness.environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func definitionTexts(_ harness: RuntimeHarness) -> [String: String] {
        [
            "accounts": """
            projection: acct_\(harness.suffix)
            version: 1
            target: { opensearch: { index: acct_\(harness.suffix) } }
            on:
              opened:
                set: { owner: $event.data.owner, balance: 0, seqs: '[$event.seq]' }
              deposited:
                set:
                  balance: $doc.balance + $event.data.amount
                  seqs: '$append($doc.seqs, $event.seq)'
            """,
            "totals": """
            projection: totals_\(harness.suffix)
            version: 1
            key: '"all"'
            target: { dynamodb: { table: totals_\(harness.suffix) } }
            initial: '{"id": $key, "events": 0, "amount": 0}'
            on:
              opened:
                set: { events: $doc.events + 1 }
              deposited:
                set: { events: $doc.events + 1, amount: $doc.amount + $event.data.amount }
            """,
        ]
    }

    /// `count` accounts with an opening and three deposits each, one transaction per account.
    static func appendAccounts(count: Int, harness: RuntimeHarness, connection: PostgresConnection) async throws {
        for index in 0..<count {
            let stream = TestEvent.uuid()
            var events = [TestEvent(stream: stream, seq: 1, type: "opened", data: ["owner": .string("p\(index)")])]
            for seq in 2...4 {
                events.append(TestEvent(stream: stream, seq: seq, type: "deposited", data: ["amount": .int(seq * 10)]))
            }
            try await append(events, table: harness.table, on: connection)
        }
    }
}
