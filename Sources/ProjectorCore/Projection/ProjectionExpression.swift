/// A JSONata expression from a definition, compiled once, with the place it came from.
public struct ProjectionExpression: Sendable {
    /// Shapes recognised at load time that the engine evaluates without the interpreter.
    enum Shortcut: Sendable, Hashable {
        /// `$event.stream` or `$.stream`: the event's aggregate id.
        case eventStream
    }

    /// The compiled expression.
    public let compiled: JSONataExpression
    /// Where the expression's first character is in its file.
    public let location: SourceLocation
    let shortcut: Shortcut?

    /// Compiles `source`; `location` is where it starts in its file.
    public init(_ source: String, location: SourceLocation) throws(JSONataError) {
        compiled = try JSONataExpression(source)
        self.location = location
        switch source.trimmingSpaces() {
        case "$event.stream", "$.stream": shortcut = .eventStream
        default: shortcut = nil
        }
    }

    /// The expression text.
    public var source: String { compiled.source }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingSpaces() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return self[first...last]
    }
}
