/// One place where two JSON values differ.
public struct JSONDifference: Sendable, Hashable, CustomStringConvertible {
    /// The path from the compared root, e.g. `.accounts[1].id` (empty for the root).
    public var path: String
    /// The expected value there; `nil` when the expected side has nothing there.
    public var expected: JSONValue?
    /// The actual value there; `nil` when the actual side has nothing there.
    public var actual: JSONValue?

    /// Creates a difference.
    public init(path: String, expected: JSONValue?, actual: JSONValue?) {
        self.path = path
        self.expected = expected
        self.actual = actual
    }

    /// `path: expected X, got Y` (`missing` / `absent` when a side has nothing).
    public var description: String {
        let place = path.isEmpty ? "(document)" : path
        return "\(place): expected \(expected?.serialized() ?? "absent"), got \(actual?.serialized() ?? "absent")"
    }

    /// The differences between two values, depth first, object members in expected-then-actual key order.
    /// Numbers compare by value (`1 == 1.0`).
    public static func between(expected: JSONValue?, actual: JSONValue?, path: String = "") -> [JSONDifference] {
        var result: [JSONDifference] = []
        collect(expected, actual, path, into: &result)
        return result
    }

    private static func collect(
        _ expected: JSONValue?, _ actual: JSONValue?, _ path: String, into result: inout [JSONDifference]
    ) {
        switch (expected, actual) {
        case (.object(let left)?, .object(let right)?):
            for (key, value) in left {
                collect(value, right[key], "\(path).\(key)", into: &result)
            }
            for (key, value) in right where left[key] == nil {
                result.append(JSONDifference(path: "\(path).\(key)", expected: nil, actual: value))
            }
        case (.array(let left)?, .array(let right)?) where left.count == right.count:
            for (offset, pair) in zip(left, right).enumerated() {
                collect(pair.0, pair.1, "\(path)[\(offset)]", into: &result)
            }
        default:
            if expected != actual { result.append(JSONDifference(path: path, expected: expected, actual: actual)) }
        }
    }
}
