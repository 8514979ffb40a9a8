import Testing

@testable import ProjectorCore

/// The engine's expression kernels must give exactly what the JSONata evaluator gives (numbers as `.int` or
/// `.double`, undefined vs null, errors with their codes and positions), so each case runs both ways.
@Suite struct ExpressionKernelTests {
    static let expressions = [
        "$event.data.amount", "$doc.balance + $event.data.amount", "$doc.count + 1",
        "$doc.balance - $event.data.amount",
        "$event.data.amount * 1.5", "$event.data.amount / 2", "$event.data.amount % 3", "-$event.data.amount",
        "$event.data.amount > 0", "$event.data.amount <= $doc.balance", "$event.data.name < \"m\"",
        "$event.data.amount = 5", "$event.data.amount != $doc.balance", "$event.data.name & \"-\" & $event.seq",
        "$event.data.amount & \"\"", "$event.data.flag and $doc.balance", "$event.data.flag or $event.data.amount",
        "$event.data.amount ? \"yes\" : \"no\"", "$event.data.amount ?: \"fallback\"", "$event.data.missing ?? 7",
        "$event.data.amount > 0 ? $doc.balance + $event.data.amount : $doc.balance",
        #"{"id": $key, "balance": 0, "n": 1.0, "sum": $doc.balance + 1.5, "in": {"a": $event.data.amount * 2}}"#,
        "($event.data.amount; $doc.balance)", "$event.type", "$event.created_at", "$event.position", "$.stream",
        "$.data.amount",
        "data.amount", "$event", "$doc", "$key", "$key.x", "$doc.nested.value", "$event.data.items.amount",
        "$event.seq + $event.position", "$event.data.amount + 1.0", "1.0", "2.5 * 2", "$event.data.big + 1",
        "$event.data.big * $event.data.big", "$event.data.amount + $event.data.name", "$event.data.nothing.deeper",
        "$event.data.items", #"{"a": 1.5 + 1.5, "b": $doc.nested} & """#, "$doc & \"\"", "$event.data & $key",
        #"{"a": 1.5 + 1.5} = {"a": 3}"#, "$doc = $doc", "$event.data.amount = $event.data.items", "$event.unknown",
        "-$event.data.name", "$event.seq.x", "$event.created_at.x", "$event.unknown.x", "$doc.nested",
    ]

    static let amounts: [JSONValue] = [
        5, -3, 0, 2.5, 3.0, 1e300, .int(9_007_199_254_740_993), .int(Int.max), "12", .null, true, [1, 2], ["a": 1],
    ]

    static func events(createdAt: String) -> [Event] {
        amounts.enumerated().map { offset, amount in
            EngineTestSupport.event(
                "deposited", stream: "acc-\(offset)", seq: Int64(offset + 1), tx: UInt64(offset + 10),
                data: [
                    "amount": amount, "name": offset % 2 == 0 ? "zed" : "ann", "flag": .bool(offset % 3 == 0),
                    "big": .int(Int.max / 2 + offset), "items": [["amount": 1], ["amount": 2.5]],
                ],
                createdAt: createdAt)
        }
    }

    static let documents: [JSONObject?] = [
        nil, ["balance": 10, "count": 2, "nested": ["value": 1.5]], ["balance": 2.5, "count": 0], ["balance": "x"],
        ["balance": .null, "nested": [1, 2]],
    ]

    /// The value with its number kinds spelled out, so `.int(3)` and `.double(3)` differ.
    static func strict(_ value: JSONValue?) -> String {
        switch value {
        case nil: "undefined"
        case .int(let number)?: "int(\(number))"
        case .double(let number)?: "double(\(number))"
        case .array(let items)?: "[" + items.map { strict($0) }.joined(separator: ",") + "]"
        case .object(let object)?: "{" + object.map { "\($0.key):\(strict($0.value))" }.joined(separator: ",") + "}"
        case let other?: other.serialized()
        }
    }

    static func outcome(_ body: () throws(JSONataError) -> JSONValue?) -> String {
        do {
            return strict(try body())
        } catch {
            return "error \(error.code) at \(error.position ?? -1): \(error.message)"
        }
    }

    @Test func kernelsAgreeWithTheEvaluator() throws {
        var kernels = 0
        var compared = 0
        var answeredByKernel = 0
        for source in Self.expressions {
            let compiled = CompiledExpression(
                try ProjectionExpression(source, location: SourceLocation(file: "k.yaml", line: 1, column: 1)))
            if compiled.kernel != nil { kernels += 1 }
            for createdAt in ["2024-05-01T10:00:00Z", ""] {
                for event in Self.events(createdAt: createdAt) {
                    for doc in Self.documents {
                        for key in [nil, "acc-1"] as [String?] {
                            var scratch = FoldScratch()
                            var json: JSONValue?
                            let fast = Self.outcome { () throws(JSONataError) in
                                try compiled.evaluate(event: event, key: key, doc: doc, json: &json, scratch: &scratch)
                            }
                            var fresh: JSONValue?
                            let generic = Self.outcome { () throws(JSONataError) in
                                try compiled.evaluateGenerically(
                                    event: event, key: key, doc: doc, json: &fresh, scratch: &scratch)
                            }
                            #expect(
                                fast == generic,
                                "\(source) with amount \(event.data["amount"] ?? .null), doc \(doc.map { JSONValue.object($0) } ?? .null)"
                            )
                            compared += 1
                            if let kernel = compiled.kernel,
                                (try? kernel.evaluate(event: event, key: key, doc: doc)) != nil
                            {
                                answeredByKernel += 1
                            }
                        }
                    }
                }
            }
        }
        // Every expression above has a kernel (the array step and the error cases fall back at run time).
        #expect(kernels == Self.expressions.count)
        #expect(compared > 5_000)
        // Most cases are the kernel's own answers, not fallbacks.
        #expect(answeredByKernel * 3 > compared * 2)
    }

    @Test func unsupportedShapesHaveNoKernel() throws {
        for source in [
            "$merge([$doc, {\"a\": 1}])", "$event.data.items[0]", "$event.data.items[amount > 1].amount",
            "$x := 1", "$string($event.seq)", "$event.data.{\"a\": amount}", "[$event.data.amount]",
            "$event.data.amount in [1, 2]", "$$.stream", #"{"a": 1, "a": 2}"#, "$event.data.items.amount[]",
            "function($x) { $x }", "$event.data.*", "$event.data.amount.%",
        ] {
            let expression = try ProjectionExpression(
                source, location: SourceLocation(file: "k.yaml", line: 1, column: 1))
            #expect(CompiledExpression(expression).kernel == nil, "\(source)")
        }
    }

    @Test func theExampleProjectionsFoldWithoutTheEvaluator() throws {
        let projection = try EngineTestSupport.projection(
            """
            projection: balance
            version: 1
            target: { opensearch: { index: balance } }
            initial: '{"id": $key, "balance": 0, "deposits": 0}'
            on:
              opened: { set: { owner: $event.data.owner, status: '"open"', opened_at: $event.created_at } }
              deposited:
                when: $event.data.amount > 0
                set: { balance: $doc.balance + $event.data.amount, deposits: $doc.deposits + 1 }
            """)
        let plan = FoldPlan(projection: projection)
        #expect(plan.initial.kernel != nil)
        for type in ["opened", "deposited"] {
            let handler = try #require(plan.handler(for: EngineTestSupport.event(type, stream: "a", seq: 1, tx: 1)))
            #expect(handler.keyIsStream)
            #expect(handler.when?.kernel != nil || handler.when == nil)
            guard case .update(let assignments, _) = handler.action else {
                Issue.record("expected set")
                continue
            }
            #expect(assignments.allSatisfy { $0.expression.kernel != nil })
        }
    }
}
