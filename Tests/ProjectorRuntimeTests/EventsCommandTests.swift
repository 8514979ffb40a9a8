import Foundation
import ProjectorCore
import ProjectorPostgres
import ProjectorTesting
import Testing

/// `projector events [--after TX:POS] [--limit K] [--follow]` run as the built executable against a real table:
/// JSON lines in the documented shape, in delivery order, with paging and following.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct EventsCommandTests {
    static let fields: Set<String> = [
        "id", "type", "stream", "seq", "service", "position", "tx_id", "created_at", "data",
    ]

    /// The JSON objects of the command's output lines; records an issue for a line that is not one.
    static func objects(_ output: String) -> [JSONObject] {
        output.split(separator: "\n").compactMap { line in
            guard case .object(let object)? = try? JSONValue(parsing: String(line)) else {
                Issue.record("not a JSON object line: \(line)")
                return nil
            }
            return object
        }
    }

    static func cursor(_ object: JSONObject) -> String {
        "\(integer(object["tx_id"])):\(integer(object["position"]))"
    }

    static func integer(_ value: JSONValue?) -> Int {
        if case .int(let number)? = value { return Int(number) }
        return -1
    }

    @Test func printsDeliveredEventsInOrderWithPagingAndFollow() async throws {
        try await RuntimeHarness.with { harness, connection in
            let config = try ProcessTests.writeConfiguration(harness, projections: [:])
            try await ProcessTests.appendAccounts(count: 5, harness: harness, connection: connection)

            let all = ProcessTests.self
            let everything = try all.capture(["events", "--config", config.path])
            #expect(everything.status == 0, "\(everything.output)")
            let events = Self.objects(everything.output)
            #expect(events.count == 20)
            #expect(events.allSatisfy { Set($0.keys) == Self.fields }, "every line has exactly the documented fields")

            // Delivery order is the reader's (tx_id, position) order, and each stream's seqs ascend in it.
            var expected: [String] = []
            for event in try await harness.database.reader.readBatch(after: .start, limit: 100).events {
                expected.append(event.cursor.description)
            }
            #expect(events.map(Self.cursor) == expected)
            var lastSeq: [String: Int] = [:]
            for event in events {
                let stream = event["stream"]?.stringValue ?? ""
                let seq = Self.integer(event["seq"])
                #expect(seq == (lastSeq[stream] ?? 0) + 1, "stream \(stream) in seq order")
                lastSeq[stream] = seq
            }
            #expect(events.first?["type"] == "opened")
            #expect(events.first?["data"]?["owner"] != nil)

            // Paging: --limit, then --after the last cursor seen.
            let first = Self.objects(try all.capture(["events", "--limit", "7", "--config", config.path]).output)
            #expect(first.map(Self.cursor) == Array(expected.prefix(7)))
            let rest = Self.objects(
                try all.capture(["events", "--after", expected[6], "--config", config.path]).output)
            #expect(rest.map(Self.cursor) == Array(expected.dropFirst(7)))

            let bad = try all.capture(["events", "--after", "seven", "--config", config.path])
            #expect(bad.status == 2)
            #expect(bad.output.contains("--after must be TX:POS"))

            // --follow prints what exists, then new events as they commit.
            let folder = config.deletingLastPathComponent()
            let output = folder.appendingPathComponent("follow.jsonl")
            #expect(FileManager.default.createFile(atPath: output.path, contents: nil))
            let process = Process()
            process.executableURL = ProcessTests.executable
            process.arguments = ["events", "--follow", "--after", expected[17], "--config", config.path]
            process.environment = RuntimeHarness.environment
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { process.terminate() } }
            try await ProcessTests.appendAccounts(count: 2, harness: harness, connection: connection)
            let followed = try await FaultTests.eventually(within: .seconds(20)) {
                Self.objects((try? String(contentsOf: output, encoding: .utf8)) ?? "").count >= 10
            }
            #expect(followed, "--follow printed the 2 remaining and the 8 new events")
            let lines = Self.objects((try? String(contentsOf: output, encoding: .utf8)) ?? "")
            let head = try await harness.database.reader.readBatch(after: .start, limit: 100).events
            #expect(lines.map(Self.cursor) == head.dropFirst(18).map(\.cursor.description))
            #expect(process.isRunning, "--follow keeps running")

            // Ctrl-C (or SIGTERM) ends --follow cleanly: exit 0, nothing printed half.
            process.interrupt()
            #expect(try await ProcessTests.waitForExit(process, timeout: .seconds(10)), "SIGINT ends --follow")
            #expect(process.terminationReason == .exit, "it exits instead of being killed by the signal")
            #expect(process.terminationStatus == 0)
            let after = Self.objects((try? String(contentsOf: output, encoding: .utf8)) ?? "")
            #expect(after.map(Self.cursor) == lines.map(Self.cursor))
        }
    }
}
