import ProjectorCore
import Testing

@Suite struct JSONValueTests {
    @Test func parsesAndSerializesRoundTrip() throws {
        let text = #"{"b":1,"a":[true,false,null,1.5,-2,"x\"y\u00e9\ud83d\ude00"],"c":{"d":12345678901234567890}}"#
        let value = try JSONValue(parsing: text)
        #expect(value["b"] == .int(1))
        #expect(value["a"]?.arrayValue?[5] == .string("x\"yé😀"))
        #expect(value["c"]?["d"] == .double(12345678901234567890))
        #expect(value.serialized() == #"{"b":1,"a":[true,false,null,1.5,-2,"x\"yé😀"],"c":{"d":12345678901234567000}}"#)
        #expect(try JSONValue(parsing: value.serialized()) == value)
    }

    @Test func keepsKeyOrderButComparesUnordered() throws {
        let first = try JSONValue(parsing: #"{"x":1,"y":2}"#)
        let second = try JSONValue(parsing: #"{"y":2,"x":1.0}"#)
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        #expect(second.objectValue?.keys == ["y", "x"])
    }

    @Test(arguments: [
        (1e21, "1e+21"), (1e-7, "1e-7"), (0.1, "0.1"), (123.456, "123.456"), (-0.000001, "-0.000001"),
        (1.5e300, "1.5e+300"), (100.0, "100"), (2.5e-10, "2.5e-10"),
    ])
    func formatsNumbersLikeJavaScript(value: Double, expected: String) {
        #expect(JSONNumberFormatter.format(value) == expected)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01x", "\"\\q\"", "tru", "1 2", "\"a\u{01}\""])
    func rejectsMalformedJSON(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }

    @Test func largeObjectsStayIndexedAfterRemoval() {
        var object = JSONObject()
        for index in 0..<40 { object["k\(index)"] = .int(index) }
        object["k3"] = nil
        #expect(object.count == 39)
        #expect(object["k39"] == .int(39))
        #expect(object["k3"] == nil)
        object["k3"] = .int(3)
        #expect(object.keys.last == "k3")
    }
}
