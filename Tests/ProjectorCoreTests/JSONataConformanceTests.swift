import Foundation
import ProjectorCore
import Testing

/// Runs every case of the upstream JSONata test suite (`../shared/jsonata-test-suite`, or `$JSONATA_SUITE`) and
/// fails when fewer cases pass than recorded in `jsonata-conformance.txt`.
@Suite struct JSONataConformanceTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var suiteRoot: URL {
        if let path = ProcessInfo.processInfo.environment["JSONATA_SUITE"] { return URL(fileURLWithPath: path) }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/jsonata-test-suite")
    }

    struct Case {
        var name: String
        var body: JSONValue
        var folder: URL
    }

    static func load(_ url: URL) throws -> JSONValue { try JSONValue(parsing: Data(contentsOf: url)) }

    static func cases() throws -> [Case] {
        let groupsFolder = suiteRoot.appendingPathComponent("groups")
        var result: [Case] = []
        for group in try FileManager.default.contentsOfDirectory(atPath: groupsFolder.path).sorted() {
            let folder = groupsFolder.appendingPathComponent(group)
            for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            where file.hasSuffix(".json") {
                let parsed = try load(folder.appendingPathComponent(file))
                for (index, body) in (parsed.arrayValue ?? [parsed]).enumerated() {
                    result.append(Case(name: "\(group)/\(file)#\(index)", body: body, folder: folder))
                }
            }
        }
        return result
    }

    /// Deep equality; `unordered` compares arrays as multisets.
    static func matches(_ actual: JSONValue, _ expected: JSONValue, unordered: Bool) -> Bool {
        switch (actual, expected) {
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            guard unordered else { return zip(x, y).allSatisfy { matches($0, $1, unordered: false) } }
            var rest = y
            for item in x {
                guard let index = rest.firstIndex(where: { matches(item, $0, unordered: true) }) else { return false }
                rest.remove(at: index)
            }
            return true
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            return x.allSatisfy { key, value in y[key].map { matches(value, $0, unordered: unordered) } ?? false }
        default:
            return actual == expected
        }
    }

    /// Runs one case; returns nil on success or a description of the failure.
    static func run(_ testCase: Case) -> String? {
        let body = testCase.body
        var source = body["expr"]?.stringValue ?? ""
        if let file = body["expr-file"]?.stringValue {
            source = (try? String(contentsOf: testCase.folder.appendingPathComponent(file), encoding: .utf8)) ?? ""
        }
        var input: JSONValue?
        if case .string(let dataset)? = body["dataset"] {
            input = try? load(suiteRoot.appendingPathComponent("datasets/\(dataset).json"))
        } else if let data = body["data"] {
            input = data
        }
        var bindings: [String: JSONValue] = [:]
        for (key, value) in body["bindings"]?.objectValue ?? [:] { bindings[key] = value }
        let expectedError = body["error"]?.objectValue
        let expectedCode = body["code"]?.stringValue ?? expectedError?["code"]?.stringValue
        let depth = body["depth"]?.doubleValue.map { Int($0) } ?? JSONataExpression.defaultMaximumDepth
        // A case's time limit guards against runaway evaluation, not speed; unoptimised debug builds on a loaded
        // 2-core machine get more room (the suite's 10 s for flattening/large.json is met easily in release).
        #if DEBUG
            let slack = 6
        #else
            let slack = 1
        #endif
        let timeLimit = body["timelimit"]?.doubleValue.map { Duration.milliseconds(Int($0) * slack) }
        do {
            let expression = try JSONataExpression(source)
            let result = try expression.evaluate(input, bindings: bindings, maximumDepth: depth, timeLimit: timeLimit)
            if let expectedCode { return "expected error \(expectedCode), got \(result?.serialized() ?? "undefined")" }
            if body["undefinedResult"] != nil {
                return result == nil ? nil : "expected undefined, got \(result?.serialized() ?? "")"
            }
            guard let expected = body["result"] else { return "case has no expectation" }
            guard let result else { return "expected \(expected.serialized()), got undefined" }
            return matches(result, expected, unordered: body["unordered"] != nil)
                ? nil : "expected \(expected.serialized()), got \(result.serialized())"
        } catch {
            guard let expectedCode, error.code == expectedCode else { return "unexpected error \(error)" }
            if let token = body["token"]?.stringValue ?? expectedError?["token"]?.stringValue, error.token != token {
                return "error token \(error.token ?? "none"), expected \(token)"
            }
            if let message = expectedError?["message"]?.stringValue, error.message != message {
                return "error message \"\(error.message)\", expected \"\(message)\""
            }
            return nil
        }
    }

    @Test func upstreamSuite() throws {
        guard FileManager.default.fileExists(atPath: Self.suiteRoot.path) else {
            Issue.record("JSONata test suite not found at \(Self.suiteRoot.path)")
            return
        }
        let cases = try Self.cases()
        var passed = 0
        var failures: [String] = []
        for testCase in cases {
            if let failure = Self.run(testCase) {
                failures.append("\(testCase.name): \(failure.prefix(300))")
            } else {
                passed += 1
            }
        }
        print("JSONata conformance: \(passed)/\(cases.count) passed")
        let recordFile = Self.packageRoot.appendingPathComponent("jsonata-conformance.txt")
        let recorded =
            (try? String(contentsOf: recordFile, encoding: .utf8))
            .flatMap { Int($0.split(separator: "/").first?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") } ?? 0
        if passed < recorded {
            for failure in failures.prefix(50) { print("  \(failure)") }
        }
        #expect(passed >= recorded, "JSONata conformance dropped: \(passed) < recorded \(recorded)")
        #expect(cases.count == 1686)
    }
}
