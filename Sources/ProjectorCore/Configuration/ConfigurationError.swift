/// A configuration problem: a malformed file, an unknown key or a bad value.
///
/// `description` is one line, `projector.yaml:LINE:COL: message` when the problem has a
/// place in the file, `environment VAR: message` for environment variables. It never
/// contains a password. The CLI maps it to exit code ``exitCode`` (2).
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case malformedFile, unknownKey, invalidValue, invalidIdentifier, unreadableFile
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The file is not valid YAML or not a mapping at the top.
        public static let malformedFile = Code(.malformedFile)
        /// A key the configuration does not know.
        public static let unknownKey = Code(.unknownKey)
        /// A value of the wrong type or out of range.
        public static let invalidValue = Code(.invalidValue)
        /// A table, schema, column or channel name that is not a plain SQL identifier.
        public static let invalidIdentifier = Code(.invalidIdentifier)
        /// The file could not be read.
        public static let unreadableFile = Code(.unreadableFile)

        /// The code's name, e.g. `unknownKey`.
        public var description: String { base.rawValue }
    }

    /// What kind of problem it is.
    public var code: Code
    /// The configuration file (or `environment`).
    public var file: String
    /// 1-based line and column in `file`, when known.
    public var line: Int?
    /// 1-based column in `file`, when known.
    public var column: Int?
    /// The dotted key the problem is about (`events.batch_size`), when known.
    public var key: String?
    /// What is wrong and what was expected.
    public var message: String

    /// Creates an error; `line`, `column` and `key` are optional context.
    public init(
        code: Code,
        file: String,
        line: Int? = nil,
        column: Int? = nil,
        key: String? = nil,
        message: String
    ) {
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    /// Process exit code for configuration errors.
    public var exitCode: Int32 { 2 }

    /// One line: `file:line:column: message`, leaving out the parts that are unknown.
    public var description: String {
        switch (line, column) {
        case (let line?, let column?): "\(file):\(line):\(column): \(message)"
        case (let line?, nil): "\(file):\(line): \(message)"
        default: "\(file): \(message)"
        }
    }
}
