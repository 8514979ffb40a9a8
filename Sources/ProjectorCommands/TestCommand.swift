public import ArgumentParser
internal import Foundation
internal import ProjectorCore

/// `projector test [PATH]`: runs fixture tests (DESIGN.md §4) through the fold engine.
public struct TestCommand: AsyncParsableCommand {
    /// Name, abstract and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run projection fixture tests; ends with 'N passed, N failed'.",
        discussion: """
            PATH is a fixtures folder, one fixture file, or a projections folder whose tests/ folder holds the \
            fixtures (default: the configured projections folder's tests/). Definitions are read from \
            --projections, else the folder above the fixtures. Under on_error: dead_letter an event the \
            definition fails on is reported and skipped, as the service does; under stop it fails the case. \
            Exit status: 0 all passed, 1 a case failed or a fixture or definition file has errors.
            """
    )

    @Argument(help: "Fixtures folder, fixture file or projections folder.")
    var path: String?

    @Option(help: "Folder of the projection definitions (default: the folder above the fixtures).")
    var projections: String?

    @Option(help: "Configuration file, read for the projections folder when PATH is not given.")
    var config: String?

    /// Creates the command with default options; ArgumentParser fills them from the command line.
    public init() {}

    /// Runs every fixture case, prints PASS/FAIL lines and `N passed, N failed`;
    /// exits 1 when a case failed or a file has errors (DESIGN.md §7: `test` exits 0 or 1).
    public mutating func run() async throws {
        let locations: (fixtures: [String], projections: String)
        do {
            locations = try resolvePaths()
        } catch let failure as CommandFailure {
            CommandSupport.printError(failure.message)
            throw ExitCode(failure.exitCode)
        }
        let definitions = ProjectionLoader.load(path: locations.projections)
        var fileErrors = definitions.errors.map(\.description)
        var passed = 0
        var failed = 0
        for file in locations.fixtures {
            let fixture: ProjectionFixture
            do {
                fixture = try FixtureLoader.load(file: file)
            } catch {
                fileErrors.append(contentsOf: error.errors.map(\.description))
                continue
            }
            guard let projection = definitions[fixture.projection] else {
                fileErrors.append(
                    "\(fixture.location): no valid projection '\(fixture.projection)' in \(locations.projections)")
                continue
            }
            for fixtureCase in fixture.cases {
                let outcome = await FixtureRunner.run(fixtureCase, projection: projection)
                let title = "\(projection.name): \(fixtureCase.name)"
                if Self.passed(outcome, policy: projection.onError) {
                    passed += 1
                    CommandSupport.printLine("PASS \(title)")
                    for failure in outcome.failures { CommandSupport.printLine("  dead letter: \(failure.error)") }
                } else {
                    failed += 1
                    CommandSupport.printLine("FAIL \(title)")
                    for line in Self.report(outcome) { CommandSupport.printLine("  " + line) }
                }
            }
        }
        for error in fileErrors { CommandSupport.printLine(error) }
        CommandSupport.printLine("\(passed) passed, \(failed) failed")
        if !fileErrors.isEmpty || failed > 0 { throw ExitCode(1) }
    }

    /// True when every expected document matched and, unless the projection dead-letters failing events (and so
    /// goes on without them, as `run` does), no event failed.
    static func passed(_ outcome: FixtureRunner.Outcome, policy: ErrorPolicy) -> Bool {
        outcome.mismatches.isEmpty && (outcome.failures.isEmpty || policy == .deadLetter)
    }

    /// The lines explaining a failed case: errors, then per document the differences and both sides.
    static func report(_ outcome: FixtureRunner.Outcome) -> [String] {
        var lines: [String] = []
        for failure in outcome.failures {
            lines.append("error: \(failure.error)")
        }
        for mismatch in outcome.mismatches {
            lines.append("document \(mismatch.key):")
            for difference in mismatch.differences {
                lines.append("  \(difference)")
            }
            lines.append("  - expected: \(mismatch.expected?.serialized(sortedKeys: true) ?? "absent")")
            lines.append("  + actual:   \(mismatch.actual?.serialized(sortedKeys: true) ?? "absent")")
        }
        return lines
    }

    /// The fixture files to run and the definitions folder. PATH (default: the configured projections folder) is a
    /// fixture file, a fixtures folder, or a projections folder: one with a `tests/` folder, or whose files are not
    /// fixtures. A projections folder without `tests/` has no fixtures (its definitions are still checked).
    func resolvePaths() throws -> (fixtures: [String], projections: String) {
        let root = try CommandSupport.projectionsPath(path, config: config)
        guard FileManager.default.fileExists(atPath: root) else {
            let missing = path == nil ? Self.join(root, "tests") : root
            throw CommandFailure.usage("\(missing): no such fixtures folder or file")
        }
        guard CommandSupport.isDirectory(root) else {
            return ([root], projections ?? Self.parent(of: Self.parent(of: root)))
        }
        let tests = Self.join(root, "tests")
        if path != nil, !CommandSupport.isDirectory(tests), try Self.holdsFixtures(root) {
            return (try Self.fixtureFiles(in: root), projections ?? Self.parent(of: root))
        }
        guard CommandSupport.isDirectory(tests) else {
            CommandSupport.printError("note: no fixture tests: \(tests) does not exist")
            return ([], projections ?? root)
        }
        return (try Self.fixtureFiles(in: tests), projections ?? root)
    }

    /// The `*.yaml` / `*.yml` files of `folder`.
    static func fixtureFiles(in folder: String) throws -> [String] {
        do {
            return try FixtureLoader.files(in: folder)
        } catch {
            throw CommandFailure.usage(error.description)
        }
    }

    /// True when a YAML file of `folder` has a top-level `cases:` key: a fixtures folder, not definitions.
    static func holdsFixtures(_ folder: String) throws -> Bool {
        try fixtureFiles(in: folder).contains { file in
            guard let data = FileManager.default.contents(atPath: file) else { return false }
            return String(decoding: data, as: UTF8.self).split(separator: "\n").contains { $0.hasPrefix("cases:") }
        }
    }

    static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    static func parent(of path: String) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent()
        return url.path
    }
}
