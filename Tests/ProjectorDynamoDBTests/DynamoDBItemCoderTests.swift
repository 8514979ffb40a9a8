import ProjectorCore
import ProjectorDynamoDB
import Testing

@Suite struct DynamoDBItemCoderTests {
    @Test(arguments: [
        (JSONValue.double(0.1), "0.1"), (.double(1e21), "1e+21"),
        (.double(12345678901234567890), "12345678901234567000"),
        (.double(-0.0), "0"), (.int(-42), "-42"), (.int(Int.max), "9223372036854775807"), (.double(1.5e-7), "1.5e-7"),
        (.double(2.5), "2.5"),
    ])
    func numbersBecomeDecimalText(value: JSONValue, text: String) throws {
        #expect(try DynamoDBItemCoder.attributeValue(for: value) == ["N": .string(text)])
    }

    @Test(arguments: [
        ("0.1", JSONValue.double(0.1)), ("1e+21", .double(1e21)), ("1000000000000000000000", .double(1e21)),
        ("12345678901234567000", .double(12345678901234567890)), ("-0", .int(0)), ("42", .int(42)),
        ("9223372036854775807", .int(Int.max)), ("9223372036854775808", .double(9223372036854775808)),
        ("1.0", .double(1)), ("-1E-7", .double(-1e-7)),
    ])
    func decimalTextBecomesNumbers(text: String, value: JSONValue) throws {
        let decoded = try DynamoDBItemCoder.value(from: ["N": .string(text)])
        #expect(decoded == value)
        // Integer text that fits stays an integer; everything else is a double.
        switch (decoded, Int(text)) {
        case (.int, .some), (.double, .none): break
        default: Issue.record("\(text) decoded as \(decoded)")
        }
    }

    @Test func nestedDocumentRoundTrips() throws {
        let document = try JSONValue(
            parsing: #"""
                {"id":"k1","name":"Zoë 😀 東京","empty":"","flag":true,"off":false,"nothing":null,
                 "n":[0.1,1e21,12345678901234567890,-0,7,-3.25],"nested":{"a":{"b":[[],{}, [1,"x",{"c":null}]]}},
                 "_projector":{"v":3,"streams":{"svc/a":2}}}
                """#)
        let item = try DynamoDBItemCoder.item(from: #require(document.objectValue))
        #expect(item["empty"] == ["S": ""])
        #expect(item["nothing"] == ["NULL": true])
        #expect(item["nested"]?["M"]?["a"]?["M"]?["b"]?["L"]?.arrayValue?.first == ["L": []])
        let back = try DynamoDBItemCoder.document(from: item)
        #expect(JSONValue.object(back) == document)
        #expect(back.keys == document.objectValue?.keys)
        // The item survives a trip through its JSON wire text too.
        let wire = try JSONValue(parsing: JSONValue.object(item).serialized())
        #expect(try JSONValue.object(DynamoDBItemCoder.document(from: #require(wire.objectValue))) == document)
    }

    @Test func setsAndBinaryReadAsLists() throws {
        #expect(try DynamoDBItemCoder.value(from: ["SS": ["a", "b"]]) == ["a", "b"])
        #expect(try DynamoDBItemCoder.value(from: ["NS": ["1", "2.5"]]) == [1, 2.5])
        #expect(try DynamoDBItemCoder.value(from: ["B": "AAE="]) == "AAE=")
    }

    @Test func malformedAttributeValuesAreErrors() {
        #expect(throws: DynamoDBItemDecodingError.self) { try DynamoDBItemCoder.value(from: ["N": "abc"]) }
        #expect(throws: DynamoDBItemDecodingError.self) { try DynamoDBItemCoder.value(from: ["X": "1"]) }
        #expect(throws: DynamoDBItemDecodingError.self) { try DynamoDBItemCoder.value(from: ["S": "a", "N": "1"]) }
        #expect(throws: DynamoDBItemDecodingError.self) { try DynamoDBItemCoder.value(from: "plain") }
    }

    @Test func numbersOutsideDynamoDBsRangeAreRefused() throws {
        let error = #expect(throws: DynamoDBItemEncodingError.self) {
            try DynamoDBItemCoder.item(from: ["a": ["b": [1, 1e300]]])
        }
        #expect(error?.description == "attribute 'a.b[1]': number 1e+300 is outside DynamoDB's range")
        #expect(try DynamoDBItemCoder.attributeValue(for: .double(9e125)) == ["N": "9e+125"])
        #expect(try DynamoDBItemCoder.attributeValue(for: .double(.nan)) == ["NULL": true])
    }

    @Test func itemSizeFollowsDynamoDBsRules() {
        // name + UTF-8 bytes
        #expect(DynamoDBItemSize.of(document: ["ab": "héllo"]) == 2 + 6)
        // numbers: 1 byte per two significant digits + 1; leading/trailing zeros don't count
        #expect(DynamoDBItemSize.of(value: 12345) == 3 + 1)
        #expect(DynamoDBItemSize.of(value: 1000) == 1 + 1)
        #expect(DynamoDBItemSize.of(value: .double(0.001)) == 1 + 1)
        #expect(DynamoDBItemSize.of(value: .double(1e21)) == 1 + 1)
        #expect(DynamoDBItemSize.of(value: 0) == 1)
        // bool / null: 1 byte
        #expect(DynamoDBItemSize.of(document: ["t": true, "n": nil]) == 1 + 1 + 1 + 1)
        // list / map: 3 bytes + per element 1 byte + element (+ member name)
        #expect(DynamoDBItemSize.of(value: []) == 3)
        #expect(DynamoDBItemSize.of(value: ["a", "bc"]) == 3 + (1 + 1) + (1 + 2))
        #expect(DynamoDBItemSize.of(value: ["k": "v"]) == 3 + 1 + 1 + 1)
    }
}
