import Foundation

extension JSONata.Library {
    typealias CallContext = JSONata.CallContext
    typealias RegexLiteral = JSONata.RegexLiteral

    static func regex(of value: Value?) -> RegexLiteral? {
        if case .function(let function)? = value, case .regex(let regex) = function.kind { return regex }
        return nil
    }

    /// Matches of a regex, or of a custom matcher function returning `{match, start, end, groups, next}` objects.
    static func matches(
        _ matcher: Value?, in text: String, limit: Int? = nil, name: String, _ context: CallContext
    ) throws(JSONataError) -> [RegexLiteral.Match] {
        if let regex = regex(of: matcher) { return try regex.allMatches(in: text, limit: limit) }
        guard case .function(let function)? = matcher else { return [] }
        var results: [RegexLiteral.Match] = []
        var current = try context.evaluator.callback(function, [.string(text)], context: context)
        while let object = current, limit.map({ results.count < $0 }) ?? true {
            guard case .string(let match)? = object.member("match"), let start = object.member("start")?.doubleValue,
                let end = object.member("end")?.doubleValue
            else {
                throw error(
                    "T1010",
                    "The matcher function argument passed to function \(name) does not return the correct object structure",
                    context, token: name)
            }
            let groups = object.member("groups")?.elements.compactMap(\.stringValue) ?? []
            results.append(.init(match: match, start: Int(start), end: Int(end), groups: groups))
            guard case .function(let next)? = object.member("next") else { break }
            current = try context.evaluator.apply(.function(next), [], context.input, context.environment, node: nil)
        }
        return results
    }

    /// The optional non-negative `limit` argument of `$split`, `$match` and `$replace`.
    static func limitArgument(_ value: Value?, code: String, message: String, _ context: CallContext)
        throws(JSONataError) -> Int?
    {
        guard let value else { return nil }
        guard let number = value.doubleValue, number >= 0 else { throw error(code, message, context) }
        return Int(number)
    }

    /// JavaScript's ToIntegerOrInfinity for slice positions.
    static func integer(_ value: Value?) -> Int? {
        guard let number = value?.doubleValue else { return nil }
        if number.isNaN { return 0 }
        if number >= 9e15 { return Int.max / 2 }
        if number <= -9e15 { return Int.min / 2 }
        return Int(number.rounded(.towardZero))
    }

    static func substring(_ text: String, start: Int, length: Int?) -> String {
        let scalars = Array(text.unicodeScalars)
        let count = scalars.count
        var start = start
        if start + count < 0 { start = 0 }
        func clamp(_ position: Int) -> Int { position < 0 ? max(count + position, 0) : min(position, count) }
        var end = count
        if let length {
            if length <= 0 { return "" }
            end = start >= 0 ? start + length : count + start + length
        }
        let from = clamp(start)
        let to = clamp(end)
        guard from < to else { return "" }
        return String(String.UnicodeScalarView(scalars[from..<to]))
    }

    static func expandReplacement(_ template: String, _ match: RegexLiteral.Match) -> String {
        var result = ""
        let chars = Array(template)
        var index = 0
        while index < chars.count {
            let c = chars[index]
            guard c == "$", index + 1 < chars.count else {
                result.append(c)
                index += 1
                continue
            }
            let next = chars[index + 1]
            if next == "$" {
                result.append("$")
                index += 2
                continue
            }
            guard next.isASCII, next.isNumber else {
                result.append(c)
                index += 1
                continue
            }
            // Longest group number that exists; digits beyond it are literal.
            var digits = ""
            var cursor = index + 1
            while cursor < chars.count, chars[cursor].isASCII, chars[cursor].isNumber {
                digits.append(chars[cursor])
                cursor += 1
            }
            var used = digits.count
            while used > 1, let number = Int(digits.prefix(used)), number > match.groups.count { used -= 1 }
            let number = Int(digits.prefix(used)) ?? 0
            if number == 0 {
                result += match.match
            } else if number <= match.groups.count {
                result += match.groups[number - 1]
            }
            index += 1 + used
        }
        return result
    }

    static let stringFunctions: [Builtin] = [
        Builtin("string", "x-b?:s") { arguments, _ throws(JSONataError) in
            guard let value = arguments[0] else { return nil }
            var pretty = false
            if case .bool(let flag)? = arguments[1] { pretty = flag }
            return .string(try Evaluator.string(value, pretty: pretty))
        },
        Builtin("length", "s-:n") { arguments, _ throws(JSONataError) in
            guard case .string(let text)? = arguments[0] else { return nil }
            return .int(text.unicodeScalars.count)
        },
        Builtin("substring", "s-nn?:s") { arguments, _ throws(JSONataError) in
            guard case .string(let text)? = arguments[0], let start = integer(arguments[1]) else { return nil }
            return .string(substring(text, start: start, length: arguments[2] == nil ? nil : integer(arguments[2])))
        },
        Builtin("substringBefore", "s-s:s") { arguments, _ throws(JSONataError) in
            guard case .string(let text)? = arguments[0] else { return nil }
            guard case .string(let chars)? = arguments[1] else { return .string(text) }
            if chars.isEmpty { return .string("") }
            guard let range = text.range(of: chars) else { return .string(text) }
            return .string(String(text[..<range.lowerBound]))
        },
        Builtin("substringAfter", "s-s:s") { arguments, _ throws(JSONataError) in
            guard case .string(let text)? = arguments[0] else { return nil }
            guard case .string(let chars)? = arguments[1] else { return .string(text) }
            guard let range = text.range(of: chars) else { return .string(text) }
            return .string(String(text[range.upperBound...]))
        },
        Builtin("lowercase", "s-:s") { arguments, _ throws(JSONataError) in
            guard case .string(let text)? = arguments[0] else { return nil }
            return .string(text.lowercased())
        },
        Builtin("uppercase", "s-:s") { arguments, _ throws(JSONataError) in
            guard case .string(let text)? = arguments[0] else { return nil }
            return .string(text.uppercased())
        },
        Builtin("trim", "s-:s") { arguments, _ throws(JSONataError) in
            guard case .string(let text)? = arguments[0] else { return nil }
            var result = ""
            var pendingSpace = false
            for scalar in text.unicodeScalars {
                if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                    pendingSpace = true
                } else {
                    if pendingSpace && !result.isEmpty { result.append(" ") }
                    pendingSpace = false
                    result.unicodeScalars.append(scalar)
                }
            }
            return .string(result)
        },
        Builtin("pad", "s-ns?:s") { arguments, _ throws(JSONataError) in
            guard case .string(let text)? = arguments[0], let width = integer(arguments[1]) else { return nil }
            var padding = " "
            if case .string(let chars)? = arguments[2], !chars.isEmpty { padding = chars }
            let length = text.unicodeScalars.count
            let missing = abs(width) - length
            guard missing > 0 else { return .string(text) }
            var fill = ""
            let padScalars = Array(padding.unicodeScalars)
            for index in 0..<missing { fill.unicodeScalars.append(padScalars[index % padScalars.count]) }
            return .string(width < 0 ? fill + text : text + fill)
        },
        Builtin("contains", "s-(sf):b") { arguments, context throws(JSONataError) in
            guard case .string(let text)? = arguments[0] else { return nil }
            if case .string(let chars)? = arguments[1] { return .bool(chars.isEmpty || text.contains(chars)) }
            guard arguments[1] != nil else { return nil }
            return .bool(!(try matches(arguments[1], in: text, limit: 1, name: "contains", context)).isEmpty)
        },
        Builtin("split", "s-(sf)n?:a<s>") { arguments, context throws(JSONataError) in
            guard case .string(let text)? = arguments[0] else { return nil }
            let limit = try limitArgument(
                arguments[2], code: "D3020",
                message: "Third argument of split function must evaluate to a positive number", context)
            var parts: [String] = []
            if case .string(let separator)? = arguments[1] {
                if separator.isEmpty {
                    parts = text.unicodeScalars.map { String($0) }
                } else {
                    parts = text.components(separatedBy: separator)
                }
            } else {
                let utf16 = Array(text.utf16)
                var start = 0
                for match in try matches(arguments[1], in: text, name: "split", context) {
                    parts.append(String(decoding: utf16[start..<match.start], as: UTF16.self))
                    start = match.end
                }
                parts.append(String(decoding: utf16[start...], as: UTF16.self))
            }
            if let limit { parts = Array(parts.prefix(limit)) }
            return .array(ArrayValue(parts.map { .string($0) }))
        },
        Builtin("join", "a<s>s?:s") { arguments, _ throws(JSONataError) in
            guard let array = arguments[0] else { return nil }
            var separator = ""
            if case .string(let text)? = arguments[1] { separator = text }
            return .string(array.elements.compactMap(\.stringValue).joined(separator: separator))
        },
        Builtin("match", "s-f<s:o>n?:a<o>") { arguments, context throws(JSONataError) in
            guard case .string(let text)? = arguments[0] else { return nil }
            let limit = try limitArgument(
                arguments[2], code: "D3040",
                message: "Third argument of match function must evaluate to a positive number", context)
            var results: [Value] = []
            for match in try matches(arguments[1], in: text, limit: limit, name: "match", context) {
                var object = ObjectValue()
                object["match"] = .string(match.match)
                object["index"] = .int(match.start)
                object["groups"] = .array(ArrayValue(match.groups.map { .string($0) }))
                results.append(.object(object))
            }
            return .sequence(results)
        },
        Builtin("replace", "s-(sf)(sf)n?:s") { arguments, context throws(JSONataError) in
            guard case .string(let text)? = arguments[0] else { return nil }
            if case .string(let pattern)? = arguments[1], pattern.isEmpty {
                throw error("D3010", "Second argument of replace function cannot be an empty string", context)
            }
            let limit = try limitArgument(
                arguments[3], code: "D3011",
                message: "Fourth argument of replace function must evaluate to a positive number", context)
            guard let replacement = arguments[2] else { return nil }
            var matches: [RegexLiteral.Match] = []
            if case .string(let pattern)? = arguments[1] {
                let utf16 = Array(text.utf16)
                let needle = Array(pattern.utf16)
                var position = 0
                while limit.map({ matches.count < $0 }) ?? true, position + needle.count <= utf16.count {
                    if Array(utf16[position..<(position + needle.count)]) == needle {
                        matches.append(.init(match: pattern, start: position, end: position + needle.count, groups: []))
                        position += needle.count
                    } else {
                        position += 1
                    }
                }
            } else {
                matches = try Self.matches(arguments[1], in: text, limit: limit, name: "replace", context)
            }
            let utf16 = Array(text.utf16)
            var result = ""
            var cursor = 0
            for match in matches {
                result += String(decoding: utf16[cursor..<match.start], as: UTF16.self)
                switch replacement {
                case .string(let template):
                    result += expandReplacement(template, match)
                case .function(let function):
                    var object = ObjectValue()
                    object["match"] = .string(match.match)
                    object["index"] = .int(match.start)
                    object["groups"] = .array(ArrayValue(match.groups.map { .string($0) }))
                    let value = try context.evaluator.callback(function, [.object(object)], context: context)
                    guard case .string(let text)? = value else {
                        throw error("D3012", "Attempted to replace a matched string with a non-string value", context)
                    }
                    result += text
                default:
                    break
                }
                cursor = match.end
            }
            result += String(decoding: utf16[cursor...], as: UTF16.self)
            return .string(result)
        },
        Builtin("base64encode", "s-:s") { arguments, _ throws(JSONataError) in
            guard case .string(let text)? = arguments[0] else { return nil }
            return .string(Data(text.utf8).base64EncodedString())
        },
        Builtin("base64decode", "s-:s") { arguments, _ throws(JSONataError) in
            guard case .string(let text)? = arguments[0] else { return nil }
            guard let data = Data(base64Encoded: text) else { return nil }
            return .string(String(decoding: data, as: UTF8.self))
        },
        Builtin("encodeUrlComponent", "s-:s") { arguments, context throws(JSONataError) in
            guard case .string(let text)? = arguments[0] else { return nil }
            return .string(try percentEncode(text, keep: unreservedComponent, name: "encodeUrlComponent", context))
        },
        Builtin("encodeUrl", "s-:s") { arguments, context throws(JSONataError) in
            guard case .string(let text)? = arguments[0] else { return nil }
            return .string(try percentEncode(text, keep: unreservedURL, name: "encodeUrl", context))
        },
        Builtin("decodeUrlComponent", "s-:s") { arguments, context throws(JSONataError) in
            guard case .string(let text)? = arguments[0] else { return nil }
            return .string(try percentDecode(text, name: "decodeUrlComponent", context))
        },
        Builtin("decodeUrl", "s-:s") { arguments, context throws(JSONataError) in
            guard case .string(let text)? = arguments[0] else { return nil }
            return .string(try percentDecode(text, name: "decodeUrl", context))
        },
    ]

    static let unreservedComponent = Set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()".utf8)
    static let unreservedURL = unreservedComponent.union(Set(";,/?:@&=+$#".utf8))

    static func percentEncode(_ text: String, keep: Set<UInt8>, name: String, _ context: CallContext)
        throws(JSONataError) -> String
    {
        if text.unicodeScalars.contains(where: { $0 == "\u{FFFD}" }) {
            throw error("D3140", "Malformed URL passed to $\(name)(): \"\(text)\"", context)
        }
        var result = ""
        for byte in text.utf8 {
            if keep.contains(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }

    static func percentDecode(_ text: String, name: String, _ context: CallContext) throws(JSONataError) -> String {
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "%") {
                guard index + 2 < utf8.count,
                    let byte = UInt8(String(decoding: utf8[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
                else {
                    throw error("D3140", "Malformed URL passed to $\(name)(): \"\(text)\"", context)
                }
                bytes.append(byte)
                index += 3
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw error("D3140", "Malformed URL passed to $\(name)(): \"\(text)\"", context)
        }
        return decoded
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
