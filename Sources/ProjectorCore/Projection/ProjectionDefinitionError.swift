/// A problem in a projection definition or fixture file, reported as `file:line:col: message`.
public struct ProjectionDefinitionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case unreadableFile = "unreadable_file"
            case yamlSyntax = "yaml_syntax"
            case unknownKey = "unknown_key"
            case missingKey = "missing_key"
            case invalidValue = "invalid_value"
            case invalidExpression = "invalid_expression"
            case duplicateName = "duplicate_name"
            case inconsistent
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The file could not be read.
        public static let unreadableFile = Code(.unreadableFile)
        /// The text is not valid YAML.
        public static let yamlSyntax = Code(.yamlSyntax)
        /// A key that the format does not know.
        public static let unknownKey = Code(.unknownKey)
        /// A required key is absent.
        public static let missingKey = Code(.missingKey)
        /// A value of the wrong type or out of range.
        public static let invalidValue = Code(.invalidValue)
        /// A JSONata expression that does not compile.
        public static let invalidExpression = Code(.invalidExpression)
        /// Two projections (or fixture cases) with one name.
        public static let duplicateName = Code(.duplicateName)
        /// Parts of the definition contradict each other (e.g. `source.events` names an event without handler).
        public static let inconsistent = Code(.inconsistent)

        /// The code's snake_case name, e.g. `unknown_key`.
        public var description: String { base.rawValue }
    }

    /// What kind of problem this is.
    public var code: Code
    /// Where it is.
    public var location: SourceLocation
    /// One line saying what is wrong and what was expected.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, at location: SourceLocation, _ message: String) {
        self.code = code
        self.location = location
        self.message = message
    }

    /// `file:line:col: message`.
    public var description: String { "\(location): \(message)" }
}

/// Several definition errors at once (a loader reports all it finds, not only the first).
public struct ProjectionDefinitionErrors: Error, Sendable, Hashable, CustomStringConvertible {
    /// The errors in file order.
    public var errors: [ProjectionDefinitionError]

    /// Wraps a list of errors.
    public init(_ errors: [ProjectionDefinitionError]) { self.errors = errors }

    /// One `file:line:col: message` line per error.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
