import ProjectorCore
import Testing

@Suite struct JSONataTests {
    private func evaluate(_ source: String, _ input: JSONValue? = nil, bindings: [String: JSONValue] = [:]) throws
        -> JSONValue?
    {
        try JSONataExpression(source).evaluate(input, bindings: bindings)
    }

    private func error(_ source: String, _ input: JSONValue? = nil) -> JSONataError? {
        do {
            _ = try JSONataExpression(source).evaluate(input)
            return nil
        } catch {
            return error
        }
    }

    @Test func projectionExpressions() throws {
        let event: JSONValue = ["type": "money-deposited", "data": ["amount": 5, "currency": "EUR"]]
        let doc: JSONValue = ["id": "a1", "balance": 10]
        #expect(try evaluate("$event.data.amount", bindings: ["event": event]) == 5)
        #expect(try evaluate("$doc.balance + $event.data.amount", bindings: ["event": event, "doc": doc]) == 15)
        #expect(
            try evaluate(
                #"$merge([$doc, {"currency": $event.data.currency}])"#, bindings: ["event": event, "doc": doc])
                == ["id": "a1", "balance": 10, "currency": "EUR"])
        #expect(try evaluate("$event.data.missing", bindings: ["event": event]) == nil)
        #expect(try evaluate("$event.data.amount > 0 ? 'in' : 'out'", bindings: ["event": event]) == "in")
    }

    @Test func syntaxErrorsCarryCodeAndPosition() {
        let unterminated = error("\"abc")
        #expect(unterminated?.code == "S0101")
        let unexpected = error("(1 + 2")
        #expect(unexpected?.code == "S0203")
        #expect(unexpected?.position == 6)
        let badStep = error("a.1")
        #expect(badStep?.code == "S0213")
        #expect(badStep?.description.hasPrefix("S0213: ") == true)
        #expect(badStep?.description.hasSuffix("at col 3") == true)
    }

    @Test func typeErrorsNameTheOperatorAndPosition() {
        let error = error("1 + 'a'")
        #expect(error?.code == "T2002")
        #expect(error?.token == "+")
        #expect(error?.position == 3)
        #expect(self.error("$sum('x')")?.code == "T0412")
        #expect(self.error("$foo()")?.code == "T1006")
    }

    @Test func bigIntegersPassThroughExactly() throws {
        let big: JSONValue = .int(Int.max)
        #expect(try evaluate("$x", bindings: ["x": big]) == .int(Int.max))
        #expect(try evaluate("a.b", ["a": ["b": .int(9_007_199_254_740_993)]]) == .int(9_007_199_254_740_993))
        // Integer arithmetic stays exact while JavaScript's doubles would be exact too.
        #expect(try evaluate("$sum([1, 2, 3])") == .int(6))
        #expect(try evaluate("9007199254740991 - 1") == .int(9_007_199_254_740_990))
        #expect(try evaluate("$string(12345678901234567)") == "12345678901234600")  // 15 significant digits, as JSONata
    }

    @Test func unicodeCountsCodePoints() throws {
        #expect(try evaluate("$length('😀é')") == 2)
        #expect(try evaluate("$substring('😀ab', 1, 1)") == "a")
        #expect(try evaluate("$uppercase('straße')") == "STRASSE")
        #expect(try evaluate("$match('ab😀', /😀/).index") == 2)
    }

    @Test func deepRecursionIsStoppedWithU1001() {
        let error = error("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000000))")
        #expect(error?.code == "U1001")
    }

    @Test func tailCallsRunInConstantStack() throws {
        let result = try evaluate("($f := function($n, $acc){ $n = 0 ? $acc : $f($n - 1, $acc + 1) }; $f(50000, 0))")
        #expect(result == 50000)
    }

    @Test func timeLimitStopsEndlessLoops() throws {
        let expression = try JSONataExpression("($f := function($n){ $f($n + 1) }; $f(0))")
        #expect(throws: JSONataError.self) {
            _ = try expression.evaluate(nil, bindings: [:], maximumDepth: 1000, timeLimit: .milliseconds(50))
        }
    }

    @Test func compiledExpressionsAreSharedAcrossTasks() async throws {
        let expression = try JSONataExpression("$sum(items.(price * qty))")
        let input: JSONValue = ["items": [["price": 2, "qty": 3], ["price": 1.5, "qty": 2]]]
        let results = try await withThrowingTaskGroup(of: JSONValue?.self) { group in
            for _ in 0..<8 { group.addTask { try expression.evaluate(input) } }
            var collected: [JSONValue?] = []
            for try await result in group { collected.append(result) }
            return collected
        }
        #expect(results.count == 8)
        #expect(results.allSatisfy { $0 == 9 })
    }

    @Test func undefinedInputAndResults() throws {
        #expect(try evaluate("foo") == nil)
        #expect(try evaluate("$exists(foo)") == false)
        #expect(try evaluate("[1, 2, 3][$ > 5]") == nil)
        #expect(try evaluate("null") == .null)
    }

    @Test func dateAndNumberFormatting() throws {
        #expect(try evaluate("$fromMillis(1521801216617, '[FNn], [D1o] [MNn] [Y]')") == "Friday, 23rd March 2018")
        #expect(try evaluate("$toMillis('2018-03-23T10:33:36.617Z')") == .int(1_521_801_216_617))
        #expect(try evaluate("$formatNumber(12345.6, '#,###.00')") == "12,345.60")
        #expect(try evaluate("$formatInteger(1984, 'I')") == "MCMLXXXIV")
    }
}
