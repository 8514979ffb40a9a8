@testable import ProjectorCore
import Testing

/// The reusable parser's shortcut for texts that are one plain scalar (`JSONParser.plainScalar`) agrees with the full
/// parser on every input, taken or not: escapes, surrogates, -0, 1e400, big integers, whitespace, invalid UTF-8.
@Suite struct JSONPlainScalarTests {
    static let texts: [String] = [
        "0", "-0", "7", "-7", "00", "-", "--1", "01", "-01", "1.5", "1e3", "1E400", "1e400", "-1e400", "0.0",
        "123456789012345678", "-123456789012345678", "1234567890123456789", "9223372036854775807",
        "9223372036854775808", "-9223372036854775808", "99999999999999999999999",
        #""""#, #""a""#, #""bench-event""#, #""user-42""#, #""a\"b""#, #""a\\b""#, #""\u00e9""#, #""\ud83d\ude00""#,
        #""\ud83d""#, "\"é\"", "\"😀\"", #""a"#, #"a""#, #"""""#, #""a" "#, #" "a""#, "\"tab\there\"", "\"nl\nx\"",
        "true", "false", "null", "tru", "truee", "nul", "True", " true", "true ", "\n1", "1\n", "1 ", "",
        "[1]", "{}", "{\"a\":1}", "x",
    ]

    static let byteTexts: [[UInt8]] = [
        [0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x22, 0x61, 0x00, 0x22], [0x31, 0x00],
        [0x22], [0x2D], [0x74],
    ]

    @Test(arguments: texts.map { Array($0.utf8) } + byteTexts)
    func shortcutAgreesWithTheFullParser(bytes: [UInt8]) {
        var parser = JSONValue.ReusableParser()
        let reused = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) in try parser.parse(buffer) }
        }
        let full = Result { () throws(JSONParseError) in try JSONValue(parsing: bytes) }
        switch (reused, full) {
        case (.success(let a), .success(let b)):
            #expect(a == b)
            #expect(a.serialized() == b.serialized())
        case (.failure, .failure): break
        default: Issue.record("shortcut \(reused) but full parser \(full) for \(bytes)")
        }
    }

    @Test func plainScalarsTakeTheShortcut() {
        let taken: [(String, JSONValue)] = [
            ("0", .int(0)), ("-42", .int(-42)), ("123456789012345678", .int(123_456_789_012_345_678)),
            (#""user-5""#, .string("user-5")), (#""""#, .string("")), ("true", .bool(true)), ("false", .bool(false)),
            ("null", .null),
        ]
        for (text, value) in taken {
            let result = Array(text.utf8).withUnsafeBytes { JSONParser.plainScalar($0) }
            #expect(result == value, "\(text)")
        }
        for text in ["1234567890123456789", "01", "1.5", #""é""#, #""a\nb""#, " 1", "[1]", "-0.0"] {
            #expect(Array(text.utf8).withUnsafeBytes { JSONParser.plainScalar($0) } == nil, "\(text)")
        }
    }
}
