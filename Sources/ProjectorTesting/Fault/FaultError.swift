/// A failure of the fault-injection test support (a helper process that would not start,
/// a command that failed). `description` is one line naming what failed and where.
public struct FaultError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case commandFailed, helperDidNotStart, helperDied, badOutput
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A command (`openssl`, `scripts/private-postgres`) exited with a non-zero status.
        public static let commandFailed = Code(.commandFailed)
        /// A helper process did not report that it is ready.
        public static let helperDidNotStart = Code(.helperDidNotStart)
        /// A helper process stopped answering its control channel.
        public static let helperDied = Code(.helperDied)
        /// A command printed something that could not be understood.
        public static let badOutput = Code(.badOutput)

        /// The code's name, e.g. `commandFailed`.
        public var description: String { base.rawValue }
    }

    /// What kind of failure.
    public var code: Code
    /// One line: what went wrong.
    public var message: String
    /// The command or helper concerned.
    public var context: String

    /// Creates an error about the command or helper `context`.
    public init(_ code: Code, _ message: String, context: String) {
        self.code = code
        self.message = message
        self.context = context
    }

    /// One line: `context: message (code)`.
    public var description: String { "\(context): \(message) (\(code))" }
}
