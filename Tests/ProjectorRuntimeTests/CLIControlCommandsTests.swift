import Foundation
import ProjectorCore
import Testing

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
        }
    }
}
