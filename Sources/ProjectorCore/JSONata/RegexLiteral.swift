import Foundation

extension JSONata {
    /// A compiled JSONata regular expression literal (`/pattern/flags`), backed by ICU through
    /// `NSRegularExpression` (its syntax is close to JavaScript's for the features JSONata documents).
    ///
    /// `@unchecked Sendable`: every stored property is a `let` — two strings and an `NSRegularExpression`, which is
    /// immutable after creation and documented as safe to use from several threads at once.
    final class RegexLiteral: @unchecked Sendable {
        let pattern: String
        let flags: String
        let expression: NSRegularExpression

        init(pattern: String, flags: String, position: Int) throws(JSONataError) {
            self.pattern = pattern
            self.flags = flags
            var options: NSRegularExpression.Options = []
            if flags.contains("i") { options.insert(.caseInsensitive) }
            if flags.contains("m") { options.insert(.anchorsMatchLines) }
            if flags.contains("s") { options.insert(.dotMatchesLineSeparators) }
            do {
                expression = try NSRegularExpression(pattern: pattern, options: options)
            } catch {
                throw JSONataError(
                    code: "S0303", message: "Invalid regular expression: /\(pattern)/", position: position,
                    token: pattern)
            }
        }

        struct Match {
            var match: String
            var start: Int  // UTF-16 offsets, as JavaScript reports them
            var end: Int
            var groups: [String]
        }

        /// Matches starting at a UTF-16 offset.
        func firstMatch(in text: String, from offset: Int) throws(JSONataError) -> Match? {
            let string = text as NSString
            guard offset <= string.length,
                let result = expression.firstMatch(
                    in: text, options: [], range: NSRange(location: offset, length: string.length - offset))
            else { return nil }
            if result.range.length == 0 {
                throw JSONataError(
                    code: "D1004", message: "Regular expression matches zero length string", token: pattern)
            }
            var groups: [String] = []
            if result.numberOfRanges > 1 {
                for index in 1..<result.numberOfRanges {
                    let range = result.range(at: index)
                    groups.append(range.location == NSNotFound ? "" : string.substring(with: range))
                }
            }
            return Match(
                match: string.substring(with: result.range), start: result.range.location,
                end: result.range.location + result.range.length, groups: groups)
        }

        /// All matches, in order.
        func allMatches(in text: String, limit: Int? = nil) throws(JSONataError) -> [Match] {
            var matches: [Match] = []
            var offset = 0
            while limit.map({ matches.count < $0 }) ?? true, let match = try firstMatch(in: text, from: offset) {
                matches.append(match)
                offset = match.end
            }
            return matches
        }

        /// The object a regex returns when called as a function: `{match, start, end, groups, next}`.
        func matchObject(_ value: Value?, from offset: Int) throws(JSONataError) -> Value? {
            guard case .string(let text)? = value else { return nil }
            guard let match = try firstMatch(in: text, from: offset) else { return nil }
            var object = ObjectValue()
            object["match"] = .string(match.match)
            object["start"] = .int(match.start)
            object["end"] = .int(match.end)
            object["groups"] = .array(ArrayValue(match.groups.map { .string($0) }))
            let end = match.end
            object["next"] = .function(
                FunctionValue(
                    .native({ _, _ throws(JSONataError) in try self.matchObject(.string(text), from: end) })))
            return .object(object)
        }
    }
}
