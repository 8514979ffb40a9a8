import Foundation
import ProjectorCore
import ProjectorPostgres
import ProjectorRuntime
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `pause`, `resume` and `dlq list|retry|drop` as operators run them: the built executable against a real
/// database and view store, checking output, exit status and what `status` then shows.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct CLIControlCommandsTests {
    @Test func pauseAndResumeShowInStatusAndAnUnknownNameIsAUsageError() async throws {
        try await RuntimeHarness.with { harness, connection in
            let config = try ProcessTests.writeConfiguration(
                harness, projections: ProcessTests.definitionTexts(harness))
            let name = "acct_\(harness.suffix)"
            try await ProcessTests.appendAccounts(count: 2, harness: harness, connection: connection)
            let once = try ProcessTests.capture(["run", "--once", "--http-port", "0", "--config", config.path])
            #expect(once.status == 0, "run --once: \(once.output)")

            let pause = try ProcessTests.capture(["pause", name, "--config", config.path])
            #expect(pause.status == 0 && pause.output.hasSuffix("\(name): paused\n"), "\(pause.output)")
            #expect(try ProcessTests.statusRows(config)[name]?["state"]?.stringValue == "paused")

            let resume = try ProcessTests.capture(["resume", name, "--config", config.path])
            #expect(resume.status == 0 && resume.output.hasSuffix("\(name): resumed\n"), "\(resume.output)")
            #expect(try ProcessTests.statusRows(config)[name]?["state"]?.stringValue == "stopped")

            let unknown = try ProcessTests.capture(["pause", "no_such_projection", "--config", config.path])
            #expect(unknown.status == 2, "\(unknown.output)")
            #expect(unknown.output.contains("NAME:") && unknown.output.contains("no_such_projection"))
        }
    }

    @Test func deadLettersAreListedRetriedAndDropped() async throws {
        try await RuntimeHarness.with { harness, connection in
            let name = "letters_\(harness.suffix)"
            // `owner` is a string, so `+ 1` fails (T2001) on every opening: one dead letter per account.
            let definition = """
                projection: \(name)
                version: 1
                target: { opensearch: { index: \(name) } }
                on_error: dead_letter
                on:
                  opened: { set: { broken: $event.data.owner + 1 } }
                """
            let config = try ProcessTests.writeConfiguration(harness, projections: ["letters": definition])
            try await ProcessTests.appendAccounts(count: 2, harness: harness, connection: connection)
            let once = try ProcessTests.capture(["run", "--once", "--http-port", "0", "--config", config.path])
            #expect(once.status == 0, "run --once: \(once.output)")

            let list = try ProcessTests.capture(["dlq", "list", name, "--json", "--config", config.path])
            #expect(list.status == 0, "\(list.output)")
            let letters = list.output.split(separator: "\n").compactMap { try? JSONValue(parsing: String($0)) }
                .filter { $0["id"] != nil }
            #expect(letters.count == 2)
            #expect(letters.allSatisfy { $0["event"]?["type"]?.stringValue == "opened" })
            #expect(letters.allSatisfy { $0["error"]?.stringValue?.contains("T2001") == true })

            let retry = try ProcessTests.capture(["dlq", "retry", name, "--all", "--config", config.path])
            #expect(retry.status == 1, "the definition still fails: \(retry.output)")
            #expect(retry.output.contains("0 retried, 2 still failing"))

            guard case .int(let first)? = letters.first?["id"] else {
                Issue.record("no id in \(list.output)")
                return
            }
            let dropOne = try ProcessTests.capture(["dlq", "drop", name, "--id", "\(first)", "--config", config.path])
            #expect(dropOne.status == 0 && dropOne.output.contains("1 dead letter(s) dropped"), "\(dropOne.output)")
            let dropAll = try ProcessTests.capture(["dlq", "drop", name, "--all", "--config", config.path])
            #expect(dropAll.status == 0 && dropAll.output.contains("1 dead letter(s) dropped"), "\(dropAll.output)")
            let empty = try ProcessTests.capture(["dlq", "list", name, "--config", config.path])
            #expect(empty.status == 0 && empty.output.hasSuffix("0 dead letter(s)\n"), "\(empty.output)")
            let unknown = try ProcessTests.capture(["dlq", "drop", name, "--id", "999999", "--config", config.path])
            #expect(unknown.status == 1 && unknown.output.contains("no dead letter with id 999999"), "\(unknown.output)")
        }
    }

    @Test func statusShowsEveryKeyTheLagOfANotStartedProjectionAndARebuildInProgress() async throws {
        try await RuntimeHarness.with { harness, connection in
            let config = try ProcessTests.writeConfiguration(
                harness, projections: ProcessTests.definitionTexts(harness))
            let name = "acct_\(harness.suffix)"
            try await ProcessTests.appendAccounts(count: 2, harness: harness, connection: connection)
            let row = try #require(try ProcessTests.statusRows(config)[name])
            #expect(row["state"]?.stringValue == "not-started")
            #expect(row["lag_events"] == 8, "never run: all 8 events are ahead of it")
            for key in ["owner", "last_error", "error_position", "view_version", "lag_seconds", "table"] {
                #expect(row[key] != nil, "--json always has \(key) (null when unknown): \(row)")
            }
            #expect(row["owner"] == .null)
            #expect(try ProcessTests.statusRows(config)["totals_\(harness.suffix)"]?["table"]?.stringValue
                == "totals_\(harness.suffix)", "a DynamoDB projection names its table")

            // A rebuild holds the build's lease while it runs: status shows the projection rebuilding.
            let build = try #require(
                try await harness.database.acquireLease(projection: ProjectionRebuild.buildRowName(name), owner: "t"))
            #expect(try ProcessTests.statusRows(config)[name]?["state"]?.stringValue == "rebuilding")
            await build.release()
            #expect(try ProcessTests.statusRows(config)[name]?["state"]?.stringValue == "not-started")
        }
    }

    @Test func runOnceEndsWithStatusOneWhenAProjectionStopsOnAnError() async throws {
        try await RuntimeHarness.with { harness, connection in
            let name = "stops_\(harness.suffix)"
            var projections = ProcessTests.definitionTexts(harness)
            projections["stops"] = """
                projection: \(name)
                version: 1
                target: { opensearch: { index: \(name) } }
                on_error: stop
                on:
                  opened: { set: { broken: $event.data.owner + 1 } }
                """
            let config = try ProcessTests.writeConfiguration(harness, projections: projections)
            try await ProcessTests.appendAccounts(count: 2, harness: harness, connection: connection)
            // Before, `--once` waited forever for a `resume` of the failed projection.
            let once = try ProcessTests.capture(["run", "--once", "--http-port", "0", "--config", config.path])
            #expect(once.status == 1, "\(once.output)")
            #expect(once.output.contains("failed before reaching the head") && once.output.contains(name))
            let rows = try ProcessTests.statusRows(config)
            #expect(rows[name]?["state"]?.stringValue == "failed")
            #expect(rows["acct_\(harness.suffix)"]?["lag_events"] == 0, "the others caught up")
        }
    }

    @Test func runOnceBesideAnInstanceOwningTheProjectionsEndsOnceTheyPassedTheHead() async throws {
        try await RuntimeHarness.with { harness, connection in
            let (accounts, totals) = try ExactlyOnceTests.definitions(harness)
            let config = try ProcessTests.writeConfiguration(
                harness, projections: ProcessTests.definitionTexts(harness))
            try await ProcessTests.appendAccounts(count: 3, harness: harness, connection: connection)
            let service = harness.start([accounts, totals], owner: "other")
            defer { service.cancel() }
            try await harness.waitUntilCaughtUp(accounts.name)
            try await harness.waitUntilCaughtUp(totals.name)

            // Every lease is held by "other": before, this instance stood by until it died.
            let (ended, status) = try await Self.runOnce(config)
            #expect(ended, "run --once ends when the owning instance has passed the head")
            #expect(status == 0)
            let rows = try ProcessTests.statusRows(config)
            #expect(rows[accounts.name]?["owner"]?.stringValue == "other", "the other instance kept its leases")
            service.cancel()
            _ = await service.result
        }
    }

    @Test func runOnceOnAnEmptyEventTableExitsZero() async throws {
        try await RuntimeHarness.with { harness, _ in
            let config = try ProcessTests.writeConfiguration(
                harness, projections: ProcessTests.definitionTexts(harness))
            // No events: there is no head to reach (before, --once waited for one forever).
            let (ended, status) = try await Self.runOnce(config)
            #expect(ended, "run --once on an empty table ends")
            #expect(status == 0)
        }
    }

    @Test func runStopsAtOnceOnAPortInUseAnUnreachableDatabaseOrNoDynamoDBRegion() async throws {
        try await RuntimeHarness.with { harness, connection in
            let config = try ProcessTests.writeConfiguration(
                harness, projections: ProcessTests.definitionTexts(harness))
            let listener = try Self.listeningSocket()
            defer { close(listener.descriptor) }
            let busy = try ProcessTests.capture([
                "run", "--once", "--http-port", "\(listener.port)", "--config", config.path,
            ])
            #expect(busy.status == 1, "\(busy.output)")
            #expect(busy.output.contains("--http-port \(listener.port)") && busy.output.contains("already in use"))
            #expect(!busy.output.contains("took over"), "nothing started: \(busy.output)")

            var environment = RuntimeHarness.environment
            environment["DATABASE_URL"] = "postgres://projector:secret@127.0.0.1:1/app?sslmode=disable"
            let down = try ProcessTests.capture(
                ["run", "--once", "--http-port", "0", "--config", config.path], environment: environment)
            #expect(down.status == 1, "\(down.output)")
            #expect(down.output.contains("postgres://projector:***@127.0.0.1:1/app"), "names the URL: \(down.output)")
            #expect(down.output.contains("connection refused") && !down.output.contains("secret"))

            environment = RuntimeHarness.environment
            environment["OPENSEARCH_URL"] = "http://127.0.0.1:1"
            let store = try ProcessTests.capture(
                ["run", "--once", "--http-port", "0", "--config", config.path], environment: environment)
            #expect(store.status == 1, "\(store.output)")
            #expect(store.output.contains("OpenSearch at http://127.0.0.1:1 cannot be reached: connection refused"))
            let verify = try ProcessTests.capture(
                ["verify", "acct_\(harness.suffix)", "--config", config.path], environment: environment)
            #expect(verify.status == 1 && verify.output.contains("OpenSearch at http://127.0.0.1:1 cannot be reached"))

            // Without dynamodb.region/endpoint (or their variables), a DynamoDB projection has nowhere to go.
            let text = try String(contentsOf: config, encoding: .utf8)
            let noDynamoDB = text.split(separator: "\n").filter {
                !$0.hasPrefix("dynamodb:") && !$0.hasPrefix("  region:") && !$0.hasPrefix("  endpoint:")
            }.joined(separator: "\n")
            try noDynamoDB.write(to: config, atomically: true, encoding: .utf8)
            environment = RuntimeHarness.environment
            for key in ["AWS_REGION", "AWS_DEFAULT_REGION", "DYNAMODB_ENDPOINT"] { environment[key] = nil }
            let missing = try ProcessTests.capture(
                ["run", "--once", "--http-port", "0", "--config", config.path], environment: environment)
            #expect(missing.status == 2, "\(missing.output)")
            #expect(missing.output.contains("totals_\(harness.suffix)") && missing.output.contains("dynamodb.region"))
        }
    }

    @Test func verifyOfAViewThatDoesNotExistSaysSo() async throws {
        try await RuntimeHarness.with { harness, connection in
            let config = try ProcessTests.writeConfiguration(
                harness, projections: ProcessTests.definitionTexts(harness))
            try await ProcessTests.appendAccounts(count: 1, harness: harness, connection: connection)
            let name = "acct_\(harness.suffix)"
            let verify = try ProcessTests.capture(["verify", name, "--config", config.path])
            #expect(verify.status == 1, "\(verify.output)")
            #expect(verify.output.contains("the view \(name) does not exist"), "\(verify.output)")
        }
    }

    @Test func rebuildInPlaceOfAnOpenSearchProjectionIsAUsageError() async throws {
        try await RuntimeHarness.with { harness, _ in
            let config = try ProcessTests.writeConfiguration(
                harness, projections: ProcessTests.definitionTexts(harness))
            let name = "acct_\(harness.suffix)"
            let rebuild = try ProcessTests.capture(["rebuild", name, "--in-place", "--config", config.path])
            #expect(rebuild.status == 2, "\(rebuild.output)")
            #expect(rebuild.output.contains("--in-place") && rebuild.output.contains(name))
            #expect(try await harness.database.checkpoints.read(ProjectionRebuild.buildRowName(name)) == nil)
        }
    }

    /// `projector run --once` given 20 s to end (terminated otherwise): whether it ended, and its exit status.
    static func runOnce(_ config: URL) async throws -> (ended: Bool, status: Int32?) {
        let once = Process()
        once.executableURL = ProcessTests.executable
        once.arguments = ["run", "--once", "--http-port", "0", "--config", config.path]
        once.environment = RuntimeHarness.environment
        once.standardOutput = FileHandle.nullDevice
        once.standardError = FileHandle.nullDevice
        try once.run()
        guard try await ProcessTests.waitForExit(once, timeout: .seconds(20)) else {
            once.terminate()
            return (false, nil)
        }
        return (true, once.terminationStatus)
    }

    /// A TCP socket listening on a free loopback-and-any port, to make `--http-port` collide.
    static func listeningSocket() throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr = in_addr(s_addr: INADDR_ANY)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && listen(descriptor, 1) == 0
                    && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        try #require(bound)
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }
}
