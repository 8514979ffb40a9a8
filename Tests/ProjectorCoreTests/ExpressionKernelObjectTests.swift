import Testing

@testable import ProjectorCore

/// Object constructors in kernels: members by position with a shared key list when all are defined, and the
/// evaluator's result (undefined members left out, order kept) when some are not.
@Suite struct ExpressionKernelObjectTests {
    static let sources = [
        #"{"id": $key, "count": 0, "total": $event.data.amount}"#,
        #"{"a": $event.data.missing, "b": 1, "c": $event.data.amount}"#,
        #"{"a": 1, "b": $event.data.missing, "c": $doc.balance, "d": $event.data.nothing}"#,
        #"{"only": $event.data.missing}"#,
    ]

    @Test func kernelObjectsAgreeWithTheEvaluator() throws {
        let event = EngineTestSupport.event("deposited", stream: "acc-1", seq: 1, tx: 10, data: ["amount": 5])
        for source in Self.sources {
            let compiled = CompiledExpression(
                try ProjectionExpression(source, location: SourceLocation(file: "k.yaml", line: 1, column: 1)))
            #expect(compiled.kernel != nil, "\(source) compiles to a kernel")
            for doc in [nil, ["balance": 3]] as [JSONObject?] {
                var scratch = FoldScratch()
                var json: JSONValue?
                let fast = try compiled.evaluate(event: event, key: "acc-1", doc: doc, json: &json, scratch: &scratch)
                var fresh: JSONValue?
                let generic = try compiled.evaluateGenerically(
                    event: event, key: "acc-1", doc: doc, json: &fresh, scratch: &scratch)
                #expect(ExpressionKernelTests.strict(fast) == ExpressionKernelTests.strict(generic), "\(source)")
            }
        }
    }

    @Test func addingMembersToAKernelObjectLeavesTheNextOneAlone() throws {
        let compiled = CompiledExpression(
            try ProjectionExpression(
                #"{"id": $key, "count": 0}"#, location: SourceLocation(file: "k.yaml", line: 1, column: 1)))
        let event = EngineTestSupport.event("opened", stream: "a", seq: 1, tx: 1, data: [:])
        var scratch = FoldScratch()
        var json: JSONValue?
        guard case .object(var first)? = try compiled.evaluate(
            event: event, key: "a", doc: nil, json: &json, scratch: &scratch)
        else {
            Issue.record("an object")
            return
        }
        first["extra"] = 1
        first["count"] = 2
        let second = try compiled.evaluate(event: event, key: "b", doc: nil, json: &json, scratch: &scratch)
        #expect(JSONValue.object(first).serialized() == #"{"id":"a","count":2,"extra":1}"#)
        #expect(second?.serialized() == #"{"id":"b","count":0}"#)
    }
}
