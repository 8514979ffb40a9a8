import Foundation
import ProjectorCore
import Testing

@Suite struct FixtureTests {
    static let projectionsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../projections").standardizedFileURL.path

    @Test func parsesCasesAndFillsDefaults() throws {
        let fixture = try FixtureLoader.parse(
            """
            projection: account_balance
            cases:
              - name: two streams
                given:
                  - { type: account-opened, stream: a1, data: { owner: ann, flag: yes, n: 012 } }
                  - { type: money-deposited, stream: a1 }
                  - { type: money-deposited, stream: 42, seq: 7, service: other, created_at: "2024-02-02T00:00:00Z", id: x }
                  - { type: money-deposited, stream: 42, service: other }
                expect:
                  a1: { id: a1 }
                  "42": null
            """, file: "t.yaml")
        #expect(fixture.projection == "account_balance")
        let only = try #require(fixture.cases.first)
        #expect(only.name == "two streams")
        #expect(only.expect.map(\.key) == ["a1", "42"])
        #expect(only.expect[1].document == nil)
        let projection = try ProjectionLoader.load(file: Self.projectionsFolder + "/account_balance.yaml")
        let events = only.events(for: projection)
        #expect(events.map(\.seq) == [1, 2, 7, 8])
        #expect(events.map(\.service) == ["account-svc", "account-svc", "other", "other"])
        #expect(events.map(\.cursor.description) == ["1:1", "2:2", "3:3", "4:4"])
        #expect(events.map(\.id) == ["event-1", "event-2", "x", "event-4"])
        #expect(events[2].createdAt == "2024-02-02T00:00:00Z")
        #expect(events[0].createdAt.isEmpty)  // undefined in $event unless the fixture gives one
        // YAML 1.2 core typing: `yes` and `012` are a string and a decimal integer.
        #expect(events[0].data == ["owner": "ann", "flag": "yes", "n": 12])
    }

    @Test func reportsFixtureErrorsWithTheirLocation() {
        let text = """
            projection: p
            cases:
              - name: a
                given:
                  - { type: x }
                  - { type: y, stream: s, colour: red }
                expect: { s: 3 }
              - name: a
                expect: {}
            """
        do {
            _ = try FixtureLoader.parse(text, file: "f.yaml")
            Issue.record("expected errors")
        } catch {
            #expect(
                error.errors.map(\.description) == [
                    "f.yaml:5:9: cases[0].given[0]: missing key 'stream'",
                    "f.yaml:6:31: unknown key 'colour' in cases[0].given[1] (expected one of: created_at, data, id, seq, service, stream, type)",
                    "f.yaml:7:18: cases[0].expect.s must be a document (a mapping) or null",
                ])
        }
        do {
            _ = try FixtureLoader.parse(
                "projection: p\ncases:\n  - { name: a, expect: {} }\n  - { name: a, expect: {} }\n", file: "d.yaml")
            Issue.record("expected errors")
        } catch {
            #expect(error.errors.map(\.description) == ["d.yaml:4:5: case 'a' is already defined at d.yaml:3:5"])
        }
    }

    @Test func theExampleFixturesPass() async throws {
        let set = ProjectionLoader.loadDirectory(Self.projectionsFolder)
        #expect(set.errors.isEmpty)
        let files = try FixtureLoader.files(in: Self.projectionsFolder + "/tests")
        #expect(files.count == 3)
        var cases = 0
        for file in files {
            let fixture = try FixtureLoader.load(file: file)
            let projection = try #require(set[fixture.projection])
            for fixtureCase in fixture.cases {
                let outcome = await FixtureRunner.run(fixtureCase, projection: projection)
                #expect(
                    outcome.passed,
                    "\(file): \(fixtureCase.name): \(outcome.mismatches.flatMap(\.differences)) \(outcome.failures.map(\.error))"
                )
                cases += 1
            }
        }
        #expect(cases >= 10)
    }

    @Test func aFailingCaseShowsTheDifferences() async throws {
        let projection = try ProjectionLoader.load(file: Self.projectionsFolder + "/account_balance.yaml")
        let fixtureCase = FixtureCase(
            name: "wrong",
            given: [
                FixtureEvent(type: "account-opened", stream: "a", data: ["currency": "EUR"]),
                FixtureEvent(type: "money-deposited", stream: "a", data: ["amount": 3]),
            ],
            expect: [("a", ["id": "a", "balance": 4, "currency": "EUR", "extra": true]), ("b", ["id": "b"])],
            location: SourceLocation(file: "x", line: 1, column: 1))
        let outcome = await FixtureRunner.run(fixtureCase, projection: projection)
        #expect(!outcome.passed)
        #expect(outcome.mismatches.map(\.key) == ["a", "b"])
        let differences = outcome.mismatches[0].differences.map(\.description)
        #expect(differences.contains(".balance: expected 4, got 3"))
        #expect(differences.contains(".extra: expected true, got absent"))
        #expect(differences.contains(".deposits: expected absent, got 1"))
        #expect(
            outcome.mismatches[1].differences.map(\.description) == [#"(document): expected {"id":"b"}, got absent"#])
        #expect(outcome.mismatches[0].actual?["_projector"] == nil)
    }

    @Test func diffsNestedValues() {
        let differences = JSONDifference.between(
            expected: ["a": [1, ["b": 2]], "c": 1],
            actual: ["a": [1, ["b": 3]], "c": 1.0])
        #expect(differences == [JSONDifference(path: ".a[1].b", expected: 2, actual: 3)])
        #expect(JSONDifference.between(expected: [1, 2], actual: [1]).map(\.path) == [""])
    }
}
