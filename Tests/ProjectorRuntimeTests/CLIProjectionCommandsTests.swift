import Foundation
import Testing

/// `projector validate`, `test` and `eval` (and the database commands without a database) run as the built
/// executable, checking output and exit status.
@Suite struct CLIProjectionCommandsTests {
    struct Run {
        var status: Int32
        var output: String
        var errors: String
        var lines: [Substring] { output.split(separator: "\n") }
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs the executable in the repository root; `environment` replaces the inherited one when given.
    static func projector(
        _ arguments: [String], input: String? = nil, environment: [String: String]? = nil
    ) throws -> Run {
        let executable = ProcessTests.executable  // built next to the test bundle, whatever the scratch path
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "build the projector product first")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = root
        if let environment { process.environment = environment }
        let output = Pipe()
        let errors = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
            errors: String(decoding: err, as: UTF8.self))
    }

    static func scratchFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cli-projections-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("tests"), withIntermediateDirectories: true)
        return folder
    }

    static let definition = """
        projection: counter
        version: 1
        target: { opensearch: { index: counter } }
        initial: '{"id": $key, "n": 0}'
        on:
          bumped: { set: { n: $doc.n + $event.data.by } }
        """

    @Test func validateAcceptsTheExamplesAndReportsProblems() throws {
        let good = try Self.projector(["validate", "projections"])
        #expect(good.status == 0)
        #expect(good.output == "3 projections OK\n")

        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("counter.yaml")
        try Self.definition.replacingOccurrences(of: "$doc.n + $event", with: "$doc.n + + $event")
            .appending("\ncolour: red\n").write(to: file, atomically: true, encoding: .utf8)
        let bad = try Self.projector(["validate", folder.path])
        #expect(bad.status == 1)
        #expect(bad.lines.count == 2)
        #expect(bad.lines.contains { $0.hasPrefix("\(file.path):6:") && $0.contains("on.bumped.set.n: S0") })
        #expect(
            bad.lines.contains {
                $0
                    == "\(file.path):7:1: unknown key 'colour' in the definition (expected one of: initial, key, on, on_error, projection, source, target, version)"
            })

        let single = try Self.projector(["validate", "projections/account_balance.yaml"])
        #expect(single.output == "1 projection OK\n")
    }

    @Test func testRunsTheExampleFixtures() throws {
        let run = try Self.projector(["test", "projections"])
        #expect(run.status == 0)
        #expect(run.lines.last == "12 passed, 0 failed")
        #expect(run.lines.dropLast().allSatisfy { $0.hasPrefix("PASS ") })
        let defaultPath = try Self.projector(["test"])
        #expect(defaultPath.lines.last == "12 passed, 0 failed")
    }

    @Test func testShowsADiffAndFailsForAWrongExpectation() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.definition.write(to: folder.appendingPathComponent("counter.yaml"), atomically: true, encoding: .utf8)
        try """
        projection: counter
        cases:
          - name: adds up
            given:
              - { type: bumped, stream: c1, data: { by: 2 } }
              - { type: bumped, stream: c1, data: { by: 3 } }
            expect:
              c1: { id: c1, n: 5 }
          - name: wrong on purpose
            given:
              - { type: bumped, stream: c2, data: { by: 2 } }
            expect:
              c2: { id: c2, n: 3 }
              c3: null
        """.write(to: folder.appendingPathComponent("tests/counter.yaml"), atomically: true, encoding: .utf8)
        let run = try Self.projector(["test", folder.path])
        #expect(run.status == 1)
        #expect(run.lines.first == "PASS counter: adds up")
        #expect(run.lines.contains("FAIL counter: wrong on purpose"))
        #expect(run.lines.contains("    .n: expected 3, got 2"))
        #expect(run.lines.contains(#"    + actual:   {"id":"c2","n":2}"#))
        #expect(!run.output.contains("_projector"))
        #expect(run.lines.last == "1 passed, 1 failed")

        try "projection: counter\ncases:\n  - { name: x, expect: 5 }\n"
            .write(to: folder.appendingPathComponent("tests/broken.yaml"), atomically: true, encoding: .utf8)
        let broken = try Self.projector(["test", folder.appendingPathComponent("tests/broken.yaml").path])
        #expect(broken.status == 1, "DESIGN.md §7: test exits 0 or 1")
        #expect(broken.lines.contains { $0.hasSuffix("tests/broken.yaml:3:24: cases[0].expect must be a mapping") })
        #expect(broken.lines.last == "0 passed, 0 failed")
    }

    /// A projections folder without `tests/` is not mistaken for a fixtures folder: its definitions are checked,
    /// there is nothing to run.
    @Test func testOnAProjectionsFolderWithoutTestsRunsNothingAndChecksTheDefinitions() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("tests"))
        try Self.definition.write(to: folder.appendingPathComponent("counter.yaml"), atomically: true, encoding: .utf8)
        let run = try Self.projector(["test", folder.path])
        #expect(run.status == 0, "\(run.output)\(run.errors)")
        #expect(run.output == "0 passed, 0 failed\n")
        #expect(run.errors.contains("no fixture tests: \(folder.path)/tests does not exist"))

        try "projection: counter\nversion: 0\n".write(
            to: folder.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        let broken = try Self.projector(["test", folder.path])
        #expect(broken.status == 1)
        #expect(broken.lines.contains { $0.hasSuffix("broken.yaml:2:10: version must be an integer ≥ 1") })
    }

    /// Under `on_error: dead_letter` the service records a failing event and goes on, so a case whose documents
    /// match passes and names the dead letter; under `stop` the same failure fails the case.
    @Test func testPassesADeadLetteredEventUnderDeadLetterAndFailsItUnderStop() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let definition = Self.definition.replacingOccurrences(
            of: "$doc.n + $event.data.by", with: "$doc.n + $number($event.data.by)")
        try (definition + "\non_error: dead_letter\n")
            .write(to: folder.appendingPathComponent("counter.yaml"), atomically: true, encoding: .utf8)
        try """
        projection: counter
        cases:
          - name: a poison event is skipped
            given:
              - { type: bumped, stream: c1, data: { by: 2 } }
              - { type: bumped, stream: c1, data: { by: "two" } }
              - { type: bumped, stream: c1, data: { by: 3 } }
            expect:
              c1: { id: c1, n: 5 }
        """.write(to: folder.appendingPathComponent("tests/counter.yaml"), atomically: true, encoding: .utf8)
        let deadLetter = try Self.projector(["test", folder.path])
        #expect(deadLetter.status == 0, "\(deadLetter.output)")
        #expect(deadLetter.lines.first == "PASS counter: a poison event is skipped")
        #expect(deadLetter.lines.contains { $0.hasPrefix("  dead letter: ") && $0.contains("D3030") })
        #expect(deadLetter.lines.last == "1 passed, 0 failed")

        try (definition + "\non_error: stop\n")
            .write(to: folder.appendingPathComponent("counter.yaml"), atomically: true, encoding: .utf8)
        let stop = try Self.projector(["test", folder.path])
        #expect(stop.status == 1)
        #expect(stop.lines.first == "FAIL counter: a poison event is skipped")
        #expect(stop.lines.contains { $0.hasPrefix("  error: ") && $0.contains("D3030") })
        #expect(stop.lines.last == "0 passed, 1 failed")
    }

    /// DESIGN.md §7: every command takes `--config`; `/dev/null` and pipes read as (empty) files.
    @Test func everyCommandTakesConfigIncludingEmptyDevices() throws {
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let evaluated = try Self.projector(["eval", "1 + 1", "--config", "/dev/null"])
        #expect(evaluated.status == 0, "\(evaluated.errors)")
        #expect(evaluated.output == "2\n")

        let bad = folder.appendingPathComponent("bad.yaml")
        try "events:\n  batch_size: 0\n".write(to: bad, atomically: true, encoding: .utf8)
        let refused = try Self.projector(["eval", "1", "--config", bad.path])
        #expect(refused.status == 2)
        #expect(refused.errors == "\(bad.path):2:15: events.batch_size must be an integer between 1 and 100000\n")
        let missing = try Self.projector(["eval", "1", "--config", folder.appendingPathComponent("none.yaml").path])
        #expect(missing.status == 2)
        #expect(missing.errors.hasSuffix("none.yaml: configuration file not found\n"))

        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = nil
        let empty = try Self.projector(["events", "--config", "/dev/null"], environment: environment)
        #expect(empty.status == 2, "read as an empty file: no database configured")
        #expect(empty.errors.contains("no database configured"))
        let validated = try Self.projector(["validate", "projections", "--config", "/dev/null"])
        #expect(validated.output == "3 projections OK\n")
        for command in [["validate", "projections"], ["test", "projections"]] {
            let checked = try Self.projector(command + ["--config", bad.path])
            #expect(checked.status == 2, "\(command): a given configuration is checked even with PATH")
            #expect(checked.errors.contains("events.batch_size must be an integer between 1 and 100000"))
        }
    }

    /// An expression may start with `-`: it is not taken for a flag, with or without `--`.
    @Test func evalTakesAnExpressionThatStartsWithAMinus() throws {
        let negative = try Self.projector(["eval", "-$x * 2", "--bind", "x=3"])
        #expect(negative.status == 0, "\(negative.errors)")
        #expect(negative.output == "-6\n")
        let terminated = try Self.projector(["eval", "--bind", "x=3", "--", "-$x"])
        #expect(terminated.output == "-3\n")
        let two = try Self.projector(["eval", "1", "2"])
        #expect(two.status == 2)
        #expect(two.errors.hasPrefix("Error: expected one expression, got 2 arguments: 1 2"))
        let none = try Self.projector(["eval"])
        #expect(none.status == 2)
        #expect(none.errors.hasPrefix("Error: Missing expected argument '<expression>'"))
    }

    @Test func evalPrintsResultsAndErrors() throws {
        let sum = try Self.projector(["eval", "$.a + $n", "--input", "-", "--bind", "n=2"], input: #"{"a": 1}"#)
        #expect(sum.status == 0)
        #expect(sum.output == "3\n")

        let object = try Self.projector([
            "eval", #"{"id": $event.stream, "tags": ["x"]}"#, "--bind", #"$event={"stream":"s1"}"#,
        ])
        #expect(object.output == #"{"id":"s1","tags":["x"]}"# + "\n")

        let undefined = try Self.projector(["eval", "$.missing", "--input", "-"], input: "{}")
        #expect(undefined.status == 0)
        #expect(undefined.output.isEmpty)

        let failed = try Self.projector(["eval", "1 +"])
        #expect(failed.status == 1)
        #expect(failed.errors.range(of: #"^S0\d{3}: .+ at col \d+\n$"#, options: .regularExpression) != nil)

        let badBinding = try Self.projector(["eval", "$x", "--bind", "x={nope"])
        #expect(badBinding.status == 2)
        #expect(badBinding.errors.hasPrefix("--bind x: the value is not valid JSON"))

        let badInput = try Self.projector(["eval", "$", "--input", "/nonexistent/input.json"])
        #expect(badInput.status == 2)
        #expect(badInput.errors.contains("--input /nonexistent/input.json"))
    }

    @Test(arguments: [["status"], ["migrate"], ["events", "--limit", "1"], ["verify", "account_balance"]])
    func commandsThatNeedADatabaseFailAsConfigurationErrorsWithoutOne(_ command: [String]) throws {
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = nil
        let run = try Self.projector(command, environment: environment)
        #expect(run.status == 2, "\(command): \(run.errors)")
        #expect(run.errors.contains("no database configured: set postgres.url in projector.yaml or DATABASE_URL"))
        #expect(run.errors.split(separator: "\n").count == 1, "one line: \(run.errors)")
    }

    @Test(arguments: [["status"], ["migrate"], ["events", "--limit", "1"]])
    func anUnreachableDatabaseIsOneLineNamingTheRedactedURL(_ command: [String]) throws {
        var environment = ProcessInfo.processInfo.environment
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        environment["DATABASE_URL"] = "postgres://projector:s3cret-pw@127.0.0.1:1/app?sslmode=disable"
        let run = try Self.projector(command, environment: environment)
        #expect(run.status == 1, "\(command): \(run.errors)")
        let lines = run.errors.split(separator: "\n")
        #expect(lines.count == 1, "one line: \(run.errors)")
        #expect(run.errors.contains("cannot connect to postgres://projector:***@127.0.0.1:1/app"))
        #expect(run.errors.contains("connection refused"))
        #expect(!run.errors.contains("s3cret-pw"))
    }
}
