import Foundation
import ProjectorCore
import Testing

@Suite struct ProjectionLoaderTests {
    static let complete = """
        projection: account_balance
        version: 2
        source:
          services: [account-svc]
          events: [account-opened, money-deposited, account-renamed, account-closed]
        key: $event.stream
        target:
          opensearch:
            index: balances
            mappings: { properties: { owner: { type: keyword } } }
        initial: '{"id": $key, "balance": 0}'
        on:
          account-opened:
            set: { owner: $event.data.owner, opened_at: $event.created_at }
          money-deposited:
            when: $event.data.amount > 0
            set: { balance: $doc.balance + $event.data.amount }
            unset: [overdrawn]
          account-renamed: '$merge([$doc, {"name": $event.data.name}])'
          account-closed:
            delete: true
        on_error: dead_letter
        """

    @Test func loadsEveryPartOfADefinition() throws {
        let projection = try EngineTestSupport.projection(Self.complete, file: "p.yaml")
        #expect(projection.name == "account_balance")
        #expect(projection.version == 2)
        #expect(projection.services == ["account-svc"])
        #expect(projection.eventTypes == ["account-opened", "money-deposited", "account-renamed", "account-closed"])
        #expect(projection.key.source == "$event.stream")
        #expect(projection.initial.source == #"{"id": $key, "balance": 0}"#)
        #expect(projection.onError == .deadLetter)
        #expect(projection.location == SourceLocation(file: "p.yaml", line: 1, column: 1))
        guard case .openSearch(let target) = projection.target else {
            Issue.record("expected an OpenSearch target")
            return
        }
        #expect(target.index == "balances")
        #expect(target.mappings == ["properties": ["owner": ["type": "keyword"]]])
        #expect(target.settings == nil)
        let deposit = try #require(projection.handlers["money-deposited"])
        #expect(deposit.when?.source == "$event.data.amount > 0")
        guard case .update(let set, let unset) = deposit.action else {
            Issue.record("expected the mapping form")
            return
        }
        #expect(set.map(\.field) == ["balance"])
        #expect(unset == ["overdrawn"])
        #expect(deposit.location == SourceLocation(file: "p.yaml", line: 15, column: 3))
        guard case .replace(let expression) = projection.handlers["account-renamed"]?.action else {
            Issue.record("expected the expression form")
            return
        }
        #expect(expression.location == SourceLocation(file: "p.yaml", line: 19, column: 21))
        guard case .delete = projection.handlers["account-closed"]?.action else {
            Issue.record("expected delete")
            return
        }
    }

    @Test func appliesDefaults() throws {
        let projection = try EngineTestSupport.projection(
            """
            projection: daily
            version: 1
            target: { dynamodb: { table: daily_stats } }
            on:
              b-happened: { set: { n: 1 } }
              a-happened: { set: { n: 2 } }
            """)
        #expect(projection.key.source == Projection.defaultKeySource)
        #expect(projection.initial.source == Projection.defaultInitialSource)
        #expect(projection.eventTypes == ["b-happened", "a-happened"])
        #expect(projection.services == nil)
        #expect(projection.onError == .stop)
        #expect(projection.target == .dynamoDB(DynamoDBTarget(table: "daily_stats", key: "id")))
        #expect(projection.version == 1)

        // Without `version:` a definition is version 1.
        let unversioned = try EngineTestSupport.projection(
            """
            projection: daily
            target: { dynamodb: { table: daily_stats } }
            on:
              a-happened: { set: { n: 2 } }
            """)
        #expect(unversioned.version == 1)
    }

    @Test func reportsUnknownKeysWhereTheyAre() {
        let errors = EngineTestSupport.errors(
            """
            projection: p
            version: 1
            target: { opensearch: { index: p, shards: 2 } }
            on:
              x:
                set: { a: 1 }
                sett: { b: 2 }
            colour: blue
            """, file: "defs/p.yaml")
        #expect(
            errors.map(\.description).sorted()
                == [
                    "defs/p.yaml:3:35: unknown key 'shards' in target.opensearch (expected one of: index, mappings, settings)",
                    "defs/p.yaml:7:5: unknown key 'sett' in on.x (expected one of: delete, key, set, unset, when)",
                    "defs/p.yaml:8:1: unknown key 'colour' in the definition (expected one of: initial, key, on, on_error, projection, source, target, version)",
                ].sorted())
        #expect(errors.allSatisfy { $0.code == .unknownKey })
    }

    @Test func pointsIntoOneLineExpressions() throws {
        // Plain scalar at column 18; the column is that plus the position JSONata reports (just past the
        // offending token), minus one so that it points at the token's last character.
        let plain = EngineTestSupport.errors(
            """
            projection: p
            version: 1
            target: { opensearch: { index: p } }
            on:
              x: { set: { a: $doc.count + * 2 } }
            """)
        let error = try #require(plain.first)
        #expect(plain.count == 1)
        #expect(error.code == .invalidExpression)
        #expect(error.location.line == 5)
        var position = 0
        do {
            _ = try JSONataExpression("$doc.count + * 2")
        } catch {
            position = error.position ?? 0
        }
        #expect(position > 0)
        #expect(error.location.column == 18 + position - 1)
        #expect(error.message.hasPrefix("on.x.set.a: S0"))

        // Single-quoted: the expression starts one column after the quote.
        let quoted = EngineTestSupport.errors(
            """
            projection: p
            version: 1
            target: { opensearch: { index: p } }
            on:
              x: '$merge([$doc, {"a": }])'
            """)
        let quotedError = try #require(quoted.first)
        #expect(quotedError.location.line == 5)
        #expect(quotedError.location.column > 8 && quotedError.location.column <= 8 + 24)
    }

    /// Escapes in quoted scalars (`''`, `\"`, `\t`, `\u0024`) are wider in the file than in the expression: the
    /// column still points at the offending token as written.
    @Test func pointsPastEscapesInQuotedExpressions() throws {
        let lines = [
            #"  a: '$doc.a = ''x'' ? 1 : )'"#,
            #"  b: "$merge([$doc, {\"a\": }])""#,
            #"  c: "\u0024doc.a \t ++ 1""#,
            #"  d: '$doc.a ++ 1'"#,
        ]
        let errors = EngineTestSupport.errors(
            "projection: p\nversion: 1\ntarget: { opensearch: { index: p } }\non:\n"
                + lines.joined(separator: "\n") + "\n")
        #expect(errors.count == 4)
        let expected = [(")", 0), ("}", 0), ("+", 1), ("+", 1)]  // the token, and which of a "++" pair
        for (index, (line, (token, skip))) in zip(lines, expected).enumerated() {
            let error = try #require(errors.first { $0.location.line == 5 + index }, "line \(5 + index)")
            var column = 1
            var seen = 0
            for (offset, character) in line.enumerated() where String(character) == token {
                if seen == skip {
                    column = offset + 1
                    break
                }
                seen += 1
            }
            #expect(error.location.column == column, "\(line): \(error)")
        }
    }

    @Test func pointsIntoBlockExpressions() throws {
        let errors = EngineTestSupport.errors(
            """
            projection: p
            version: 1
            target: { opensearch: { index: p } }
            on:
              x: |
                $merge([
                  $doc,
                  {"a": $event.data.a ++ 1}
                ])
            """)
        let error = try #require(errors.first)
        #expect(error.code == .invalidExpression)
        #expect(error.location.line == 8)
        #expect((7...30).contains(error.location.column))
    }

    @Test func reportsEveryMissingKeyAndBadValue() {
        let missing = EngineTestSupport.errors("source: { services: [a] }\n", file: "m.yaml")
        #expect(
            missing.map(\.message).sorted() == [
                "missing key 'on' (the event handlers)", "missing key 'projection'",
                "missing key 'target' (opensearch or dynamodb)",
            ])
        #expect(missing.allSatisfy { $0.code == .missingKey && $0.location.file == "m.yaml" })

        let bad = EngineTestSupport.errors(
            """
            projection: Account-Balance
            version: 0
            target: { opensearch: { index: a }, dynamodb: { table: b } }
            on:
              x: { delete: true, set: { a: 1 } }
              y: { when: "true" }
            on_error: retry
            """)
        #expect(bad.map(\.location.line) == [1, 2, 3, 7, 5, 6])
        #expect(bad[0].message.contains("must start with a-z"))
        #expect(bad[1].message == "version must be an integer ≥ 1")
        #expect(bad[2].message == "target must have exactly one of 'opensearch' or 'dynamodb'")
        #expect(bad[3].message == "on_error must be 'stop' or 'dead_letter', not 'retry'")
        #expect(bad[4].message == "on.x: 'delete: true' cannot be combined with set or unset")
        #expect(bad[5].message == "on.y needs 'set', 'unset' or 'delete: true'")
    }

    @Test func readsListedAndHandledEventTypes() throws {
        // As in DESIGN.md's example: a handler missing from source.events still runs, and a listed type without a
        // handler is read (it keeps stream sequences moving) without changing documents.
        let projection = try ProjectionLoader.parse(
            """
            projection: p
            version: 1
            source: { events: [a, tracked] }
            target: { opensearch: { index: p } }
            on:
              a: { set: { n: 1 } }
              b: { set: { n: 2 } }
            """, file: "test.yaml")
        #expect(projection.eventTypes == ["a", "tracked", "b"])
        #expect(projection.handlers["b"] != nil)
    }

    @Test func refusesTheReservedField() {
        let errors = EngineTestSupport.errors(
            """
            projection: p
            version: 1
            target: { opensearch: { index: p } }
            on:
              a: { set: { _projector: 1 }, unset: [_projector] }
            """)
        #expect(errors.count == 2)
        #expect(errors.allSatisfy { $0.message.contains("_projector") })
    }

    @Test func reportsYAMLSyntaxErrorsWithTheirPosition() throws {
        let errors = EngineTestSupport.errors("projection: p\nversion: 1\non:\n  a: { set: [1, 2\n", file: "s.yaml")
        let error = try #require(errors.first)
        #expect(error.code == .yamlSyntax)
        #expect(error.location.file == "s.yaml")
        #expect(error.location.line >= 4)
        #expect(error.description.hasPrefix("s.yaml:\(error.location.line):"))

        let duplicate = EngineTestSupport.errors("projection: p\nprojection: q\n")
        #expect(duplicate.first?.message.contains("duplicate key 'projection'") == true)
    }

    @Test func fingerprintFollowsTheText() throws {
        let first = try EngineTestSupport.projection(Self.complete)
        let again = try EngineTestSupport.projection(Self.complete)
        let changed = try EngineTestSupport.projection(Self.complete + "\n# comment\n")
        #expect(first.fingerprint == again.fingerprint)
        #expect(first.fingerprint != changed.fingerprint)
        #expect(first.fingerprint.count == 16)
    }

    @Test func loadsAFolderSkippingTestsAndReportingDuplicates() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("projections-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("tests"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let valid =
            "projection: one\nversion: 1\ntarget: { opensearch: { index: one } }\non: { a: { set: { n: 1 } } }\n"
        try valid.write(to: folder.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try valid.write(to: folder.appendingPathComponent("b.yml"), atomically: true, encoding: .utf8)
        try "projection: two\nversion: x\n".write(
            to: folder.appendingPathComponent("c.yaml"), atomically: true, encoding: .utf8)
        try "not: [a fixture".write(
            to: folder.appendingPathComponent("tests/t.yaml"), atomically: true, encoding: .utf8)
        try "ignored".write(to: folder.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)

        let set = ProjectionLoader.loadDirectory(folder.path)
        #expect(set.projections.map(\.name) == ["one"])
        #expect(set["one"] != nil)
        let messages = set.errors.map(\.description)
        #expect(
            messages.contains {
                $0.hasSuffix("b.yml:1:1: projection 'one' is already defined at \(folder.path)/a.yaml:1:1")
            })
        #expect(messages.contains { $0.contains("c.yaml:2:10: version must be an integer") })
        #expect(messages.contains { $0.contains("c.yaml:1:1: missing key 'target'") })
        #expect(!messages.contains { $0.contains("tests/") })

        let missing = ProjectionLoader.loadDirectory(folder.appendingPathComponent("nope").path)
        #expect(missing.errors.first?.code == .unreadableFile)
    }

    @Test func theExampleProjectionsAreValid() {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../projections")
        let set = ProjectionLoader.loadDirectory(folder.standardizedFileURL.path)
        #expect(set.errors.map(\.description) == [])
        #expect(set.projections.map(\.name) == ["account_balance", "customer_profile", "daily_transactions"])
    }
}
