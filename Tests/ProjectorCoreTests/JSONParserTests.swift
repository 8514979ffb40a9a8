import ProjectorCore
import Testing

/// The JSON parser on edge inputs, and the reusable parser against the one-shot one.
@Suite struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue { try JSONValue(parsing: text) }

    func parse(bytes: [UInt8]) throws -> JSONValue { try JSONValue(parsing: bytes) }

    @Test func nestingUpToTheLimitParsesAndDeeperFails() throws {
        let deepest = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        var value = try parse(deepest)
        var depth = 0
        while case .array(let members) = value, let first = members.first {
            value = first
            depth += 1
        }
        #expect(depth == 511)
        let tooDeep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect(throws: JSONParseError.self) { try parse(tooDeep) }
        let objects = String(repeating: #"{"a":"#, count: 600) + "1" + String(repeating: "}", count: 600)
        #expect(throws: JSONParseError.self) { try parse(objects) }
    }

    @Test func escapesDecode() throws {
        #expect(try parse(#""a\"b\\c\/d\be\ff\ng\rh\ti""#) == .string("a\"b\\c/d\u{08}e\u{0C}f\ng\rh\ti"))
        #expect(try parse(#""\u0041\u00e9\u20AC""#) == .string("Aé€"))
        #expect(try parse(#"{"k\"ey":1}"#) == .object(JSONObject([("k\"ey", .int(1))])))
        #expect(throws: JSONParseError.self) { try parse(#""\x""#) }
        #expect(throws: JSONParseError.self) { try parse(#""\u12""#) }
        #expect(throws: JSONParseError.self) { try parse(#""abc"#) }
    }

    @Test func surrogatePairsCombineAndLoneHalvesBecomeReplacementCharacters() throws {
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse(#""\ud83dx""#) == .string("\u{FFFD}x"))
        #expect(try parse(#""\ude00""#) == .string("\u{FFFD}"))
        #expect(try parse(#""\ud83d\u0041""#) == .string("\u{FFFD}A"))
        #expect(try parse(#""\ud83d""#) == .string("\u{FFFD}"))
    }

    @Test func numbersKeepIntegersExactAndOthersAsDoubles() throws {
        #expect(try parse("-0") == .int(0))
        #expect(try parse("-0.0") == .double(-0.0))
        #expect(try parse("9223372036854775807") == .int(Int.max))
        #expect(try parse("-9223372036854775808") == .int(Int.min))
        let huge = try parse("92233720368547758070")
        guard case .double(let value) = huge else {
            Issue.record("a number beyond 64 bits is \(huge)")
            return
        }
        #expect(value == 92_233_720_368_547_758_070)
        #expect(try parse("-123456789012345678") == .int(-123_456_789_012_345_678))
        #expect(try parse("1.5e3") == .double(1500))
        #expect(try parse("1E-2") == .double(0.01))
        #expect(throws: JSONParseError.self) { try parse("1e400") }
        #expect(throws: JSONParseError.self) { try parse("-") }
        #expect(throws: JSONParseError.self) { try parse("1.") }
        #expect(throws: JSONParseError.self) { try parse("1e+") }
    }

    @Test func aLaterDuplicateKeyReplacesTheValueAndKeepsThePlace() throws {
        let value = try parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(value.objectValue?.keys == ["a", "b"])
        #expect(value["a"] == .int(3))
        let many = (0..<40).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        let large = try parse("{" + many + #","k7":"last"}"#)
        #expect(large.objectValue?.count == 40)
        #expect(large.objectValue?.keys[7] == "k7")
        #expect(large["k7"] == .string("last"))
        #expect(large["k39"] == .int(39))
    }

    @Test func invalidUTF8IsRepaired() throws {
        let bytes: [UInt8] = [UInt8(ascii: "\"")] + Array("abcdefgh".utf8) + [0xFF, 0xC3] + Array("ijklmnop".utf8)
            + [UInt8(ascii: "\"")]
        #expect(try parse(bytes: bytes) == .string("abcdefgh\u{FFFD}\u{FFFD}ijklmnop"))
    }

    /// Quotes, backslashes and control characters at every offset around the eight-byte steps of the string scan.
    @Test func specialCharactersAreFoundAtEveryOffset() throws {
        for length in 0..<24 {
            for special in ["\"", "\\", "\n", "\u{1F}", "é", "\u{7F}"] {
                let plain = String(repeating: "x", count: length)
                let string = plain + special + plain
                #expect(try parse(JSONValue.string(string).serialized()) == .string(string))
            }
            let raw = "\"" + String(repeating: "y", count: length) + "\u{01}z\""
            #expect(throws: JSONParseError.self) { try parse(raw) }
        }
    }

    @Test func reusableParserSharesKeysOfTheSameShapeAndMatchesTheOneShotParser() throws {
        let texts = [
            #"{"event-id":"a","n":1,"tags":["x","y"],"nested":{"q":true}}"#,
            #"{"event-id":"b","n":2,"tags":[],"nested":{"q":false}}"#,
            #"{"event-id":"c","n":3}"#,  // fewer keys
            #"{"event-id":"d","n":4,"tags":null,"nested":null,"more":1}"#,  // more keys
            #"{"event-id":"e","m":5,"tags":null,"nested":null,"more":1}"#,  // one key differs
            #"{"event-i":"f","m":5,"tags":null,"nested":null,"more":1}"#,  // a prefix of the remembered key
            #"{"event-id\u0021":"g"}"#,  // escaped key
            #"{"e\"":1,"f":2}"#,  // a shape with a key that needs an escape
            #"{"e\"":3,"f":4}"#,
            #"{"a":1,"a":2}"#,  // duplicates are never remembered
            #"{"a":1,"a":2}"#,
            #"[{"a":1},{"a":2}]"#,
            #"{}"#,
            #"{ "event-id" : "h" , "n" : 5 }"#,
        ]
        var parser = JSONValue.ReusableParser()
        for text in texts {
            let reused = try parseReusing(&parser, text)
            let fresh = try parse(text)
            #expect(reused == fresh, "\(text)")
            #expect(reused.objectValue?.keys == fresh.objectValue?.keys, "\(text)")
        }
        #expect(throws: JSONParseError.self) { try parseReusing(&parser, #"{"event-id":"x","#) }
        #expect(try parseReusing(&parser, #"{"event-id":"y","n":1}"#) == parse(#"{"n":1,"event-id":"y"}"#))
    }

    @Test func reusableParserStaysCorrectAfterAHugeDocument() throws {
        var parser = JSONValue.ReusableParser()
        let huge = "[" + (0..<10_000).map(String.init).joined(separator: ",") + "]"
        #expect(try parseReusing(&parser, huge).arrayValue?.count == 10_000)
        #expect(try parseReusing(&parser, "[1,[2,3],{\"a\":[4]}]") == parse("[1,[2,3],{\"a\":[4]}]"))
    }

    func parseReusing(_ parser: inout JSONValue.ReusableParser, _ text: String) throws -> JSONValue {
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBytes { buffer in try parser.parse(UnsafeRawBufferPointer(buffer)) }
    }
}
