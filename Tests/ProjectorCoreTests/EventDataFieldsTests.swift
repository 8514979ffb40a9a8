import ProjectorCore
import Foundation
import Testing

/// Which fields of `data` an expression reads: the reader fetches only those, so any doubt must answer "all" (nil).
@Suite struct EventDataFieldsTests {
    @Test(arguments: [
        ("$event.data.amount", ["amount"]),
        ("$.data.owner", ["owner"]),
        ("data.owner", ["owner"]),
        ("$$.data.owner", ["owner"]),
        ("$doc.balance + $event.data.amount", ["amount"]),
        ("$event.data.amount > 0 and $event.data.currency = 'eur'", ["amount", "currency"]),
        ("$event.data.items[0].price", ["items"]),
        ("$event.data.items[price > $event.data.limit].id", ["items", "limit"]),
        ("$event.data.`odd key`", ["odd key"]),
        (#"$merge([$doc, {"name": $event.data.name}])"#, ["name"]),
        (#"{"id": $key, "balance": 0}"#, []),
        ("$event.stream", []),
        ("$event.created_at & $event.type", []),
        ("$doc.items[id = $event.data.id]", ["id"]),
        ("$doc.items[data = 1]", []),
        ("$map($doc.items, function($v) { $v.price * $event.data.rate })", ["rate"]),
        ("($x := $event.data.a; $x + 1)", ["a"]),
        ("$count($doc.items[*])", []),
        ("$doc.tags ~> $append([$event.data.tag])", ["tag"]),
        ("$event.data.amount ? $event.data.note : $doc.note", ["amount", "note"]),
    ] as [(String, [String])])
    func namedFieldsAreFound(source: String, fields: [String]) throws {
        let expression = try JSONataExpression(source)
        #expect(expression.eventDataFields == Set(fields), "\(source)")
    }

    @Test(arguments: [
        "$event.data",
        "$merge([$doc, $event.data])",
        "$event",
        "$lookup($event, 'data')",
        "$keys($event.data)",
        "$",
        "data",
        "$e := $event",
        "*",
        "**.amount",
        "$event.data.*",
        "$event.data[amount > 1].amount",
        "$event.*.amount",
        "$event.data ~> $keys()",
        "$.data",
        "$event.data{amount: owner}",
        "$string($event.data)",
    ])
    func anythingElseReadsTheWholePayload(source: String) throws {
        let expression = try JSONataExpression(source)
        #expect(expression.eventDataFields == nil, "\(source)")
    }

    @Test func aProjectionReadsTheUnionOfItsExpressionsUnlessItDeadLetters() throws {
        let definition = """
            projection: balances
            version: 1
            key: $event.data.account
            target: { opensearch: { index: balances } }
            initial: '{"id": $key, "currency": $event.data.currency}'
            on:
              opened:
                set: { owner: $event.data.owner, opened_at: $event.created_at }
              deposited:
                when: $event.data.amount > 0
                set: { balance: $doc.balance + $event.data.amount }
              renamed: '$merge([$doc, {"name": $event.data.name}])'
              closed:
                delete: true
            """
        let projection = try ProjectionLoader.parse(definition, file: "balances.yaml")
        #expect(projection.eventDataFields == ["account", "amount", "currency", "name", "owner"])

        let whole = definition.replacingOccurrences(of: #"{"name": $event.data.name}"#, with: "$event.data")
        #expect(try ProjectionLoader.parse(whole, file: "balances.yaml").eventDataFields == nil)

        let deadLetters = definition + "\non_error: dead_letter\n"
        #expect(try ProjectionLoader.parse(deadLetters, file: "balances.yaml").eventDataFields == nil)

        let many = (0...Projection.maximumEventDataFields).map { "$event.data.f\($0)" }.joined(separator: " & ")
        let tooMany = definition.replacingOccurrences(of: "$event.data.owner", with: "'\(many)'")
        #expect(try ProjectionLoader.parse(tooMany, file: "balances.yaml").eventDataFields == nil)
    }
}
