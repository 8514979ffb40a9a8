import ProjectorCore
import Testing

/// The compact writer (members by position, strings copied in runs, integers digit by digit) against the texts
/// JSON requires, and against the pretty/sorted writer on the same values.
@Suite struct JSONSerializationTests {
    @Test func integersAsDecimalDigits() {
        for number in [0, 7, 9, 10, -1, -10, 42, 1_000_000, Int.max, Int.min] {
            #expect(JSONValue.int(number).serialized() == String(number))
        }
    }

    @Test func stringsEscapeOnlyWhatJSONRequires() throws {
        let text = "plain \"quoted\" back\\slash\nline\ttab\r\u{08}\u{0C}\u{01}\u{1F} é€😀 end"
        let expected =
            #""plain \"quoted\" back\\slash\nline\ttab\r\b\f\u0001\u001f é€😀 end""#
        #expect(JSONValue.string(text).serialized() == expected)
        #expect(JSONValue.string("").serialized() == #""""#)
        #expect(JSONValue.string("\"").serialized() == #""\"""#)
        #expect(try JSONValue(parsing: JSONValue.string(text).serialized()) == .string(text))
    }

    @Test func objectsKeepKeyOrderAndNest() throws {
        var inner = JSONObject()
        inner["z"] = .array([.null, .bool(true), .bool(false), .double(1.5), .array([]), .object(JSONObject())])
        inner["a"] = .string("k\"ey")
        var outer = JSONObject()
        outer["b\nkey"] = .int(-3)
        outer["a"] = .object(inner)
        let value = JSONValue.object(outer)
        #expect(value.serialized() == #"{"b\nkey":-3,"a":{"z":[null,true,false,1.5,[],{}],"a":"k\"ey"}}"#)
        #expect(try JSONValue(parsing: value.serialized()) == value)
        #expect(value.serialized(sortedKeys: true) == #"{"a":{"a":"k\"ey","z":[null,true,false,1.5,[],{}]},"b\nkey":-3}"#)
    }

    @Test func writeAppendsToWhatIsThere() {
        var bytes = Array("x".utf8)
        JSONValue.object(["n": .int(12), "s": .string("v")]).write(to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == #"x{"n":12,"s":"v"}"#)
    }
}
