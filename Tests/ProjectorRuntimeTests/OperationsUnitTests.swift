import ArgumentParser
import ProjectorCommands
import ProjectorCore
import ProjectorRuntime
import Testing

/// The pure parts of the operations commands.
struct OperationsUnitTests {
    @Test func runtimeSettingsReadRebuildPolicyAndRejectUnknownKeys() throws {
        #expect(try RuntimeSettings(nil).rebuild == .manual)
        #expect(try RuntimeSettings(["rebuild": "auto"]).rebuild == .auto)
        #expect(try RuntimeSettings(["rebuild": "manual"]).rebuild == .manual)
        #expect(throws: RuntimeError.self) { try RuntimeSettings(["rebuild": "sometimes"]) }
        do {
            _ = try RuntimeSettings(["rebuilds": "auto"])
            Issue.record("an unknown key was accepted")
        } catch {
            #expect(error.description.contains("runtime.rebuilds"))
        }
    }

    @Test func progressShowsBarRateAndETA() {
        let progress = RebuildProgress(phase: .replay, done: 500_000, total: 1_000_000, elapsed: .seconds(2))
        #expect(progress.rate == 250_000)
        #expect(progress.remaining == .seconds(2))
        let bar = progress.bar(width: 10)
        #expect(bar.hasPrefix("[#####-----]  50%"))
        #expect(bar.contains("500,000/1,000,000 events"))
        #expect(bar.contains("250,000 ev/s"))
        #expect(bar.hasSuffix("ETA 0:02"))
        let done = RebuildProgress(phase: .catchUp, done: 10, total: 10, elapsed: .seconds(1))
        #expect(done.remaining == nil)
    }

    @Test func previewLimitParsesCursorOrPosition() {
        #expect(ProjectionPreview.Limit("12:34") == .cursor(EventCursor(transactionID: 12, position: 34)))
        #expect(ProjectionPreview.Limit("77") == .position(77))
        #expect(ProjectionPreview.Limit("x") == nil)
        #expect(ProjectionPreview.Limit("-1") == nil)
    }

    @Test func driftJSONNamesKeyKindAndPaths() {
        let drift = DocumentDrift(
            key: "a1", kind: .changed,
            differences: [JSONDifference(path: ".balance", expected: .int(5), actual: .int(7))])
        #expect(
            drift.jsonValue.serialized()
                == #"{"key":"a1","kind":"changed","differences":[{"path":".balance","expected":5,"actual":7}]}"#)
        let missing = DocumentDrift(
            key: "b", kind: .missing, differences: [JSONDifference(path: "", expected: .int(1), actual: nil)])
        #expect(missing.jsonValue["differences"]?.arrayValue?.first?["actual"] == nil)
    }

    @Test func projectionLookupNamesTheKnownOnes() throws {
        let projection = try ProjectionLoader.parse(
            "projection: known\nversion: 1\ntarget:\n  opensearch:\n    index: known\non:\n  e:\n    set: { a: 1 }\n",
            file: "known.yaml")
        #expect(try OperationsSession.projection(named: "known", in: [projection]).name == "known")
        do {
            _ = try OperationsSession.projection(named: "other", in: [projection])
            Issue.record("an unknown projection was found")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.message.contains("known: known"))
        }
    }

    @Test func streamKeyedProjectionsAreRecognised() throws {
        let streamKeyed = try ProjectionLoader.parse(
            "projection: a\nversion: 1\ntarget:\n  opensearch:\n    index: a\non:\n  e:\n    set: { a: 1 }\n",
            file: "a.yaml")
        let keyed = try ProjectionLoader.parse(
            "projection: b\nversion: 1\nkey: '\"all\"'\ntarget:\n  opensearch:\n    index: b\non:\n  e:\n    set: { a: 1 }\n",
            file: "b.yaml")
        #expect(ProjectionLog.isStreamKeyed(streamKeyed))
        #expect(!ProjectionLog.isStreamKeyed(keyed))
    }

    @Test func commandLinesAreCheckedBeforeAnythingRuns() throws {
        for bad in [
            ["rebuild", "a", "--keep-old", "-1"], ["rebuild", "a", "--checkpoint-interval", "-1"],
            ["rebuild", "a", "--checkpoint-interval", "nan"], ["dlq", "retry", "a"], ["dlq", "drop", "a", "--id", "1", "--all"],
            ["reset", "a"], ["verify", "a", "--sample", "0"], ["preview", "a"],
        ] {
            #expect(throws: (any Error).self, "\(bad)") { _ = try ProjectorCommand.parseAsRoot(bad) }
        }
        for good in [
            ["rebuild", "a", "--no-swap", "--keep-old", "0"], ["rebuild", "a", "--checkpoint-interval", "0"],
            ["rebuild", "a", "--checkpoint-interval", "2.5"], ["dlq", "retry", "a", "--id", "3", "--id", "4"],
            ["dlq", "list", "a", "--json"], ["reset", "a", "--to-start", "--yes"],
            ["verify", "a", "--sample", "5", "--json"],
            ["preview", "a", "--key", "k", "--at", "10:3"], ["pause", "a"], ["resume", "a"],
        ] {
            #expect(throws: Never.self, "\(good)") { _ = try ProjectorCommand.parseAsRoot(good) }
        }
    }
}
