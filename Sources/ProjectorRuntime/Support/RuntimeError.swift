/// An error of the running service or of an operations command (`rebuild`, `preview`, `verify`, `pause`,
/// `resume`, `dlq`, `reset`). `description` is one line naming the projection and what went wrong; it never
/// contains document bodies or credentials.
public struct RuntimeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case conflictStorm, versionChanged, checkpointBeyondLog, unknownProjection, badConfiguration
            case targetUnavailable, leaseLost
            case notFound, refused, busy, timeout, badInput, targetMismatch, writeBehindRefused
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Writes kept conflicting with another writer.
        public static let conflictStorm = Code(.conflictStorm)
        /// The definition's `version` differs from the one the view was built with.
        public static let versionChanged = Code(.versionChanged)
        /// The checkpoint lies beyond the newest event (a restored database).
        public static let checkpointBeyondLog = Code(.checkpointBeyondLog)
        /// A projection name that is not defined.
        public static let unknownProjection = Code(.unknownProjection)
        /// A bad `runtime` setting or missing view store settings.
        public static let badConfiguration = Code(.badConfiguration)
        /// The view store target could not be prepared.
        public static let targetUnavailable = Code(.targetUnavailable)
        /// This instance no longer owns the projection.
        public static let leaseLost = Code(.leaseLost)
        /// The projection, dead letter or stored build does not exist.
        public static let notFound = Code(.notFound)
        /// The operation is not safe in the current state (e.g. reset of a running projection).
        public static let refused = Code(.refused)
        /// Another process holds what the operation needs (a rebuild already running).
        public static let busy = Code(.busy)
        /// The live projection did not pause in time.
        public static let timeout = Code(.timeout)
        /// A flag, argument or `runtime` setting is not usable (bad `--at` position, unknown setting).
        public static let badInput = Code(.badInput)
        /// The projection's target does not support the operation (e.g. `--in-place` on OpenSearch).
        public static let targetMismatch = Code(.targetMismatch)
        /// The view store refused documents held and written together (``BatchProcessor/WriteBehind``): process
        /// the events after the last checkpoint again without write-behind.
        public static let writeBehindRefused = Code(.writeBehindRefused)

        /// The code's name, e.g. `notFound`.
        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// One line: what went wrong.
    public var message: String
    /// The projection concerned.
    public var projection: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, projection: String? = nil) {
        self.code = code
        self.message = message
        self.projection = projection
    }

    /// One line: `projection NAME: message`, or just the message when no projection is concerned.
    public var description: String {
        if let projection { return "projection \(projection): \(message)" }
        return message
    }
}
