/// An error of the running service. `description` is one line naming the projection and
/// what went wrong; it never contains document bodies or credentials.
public struct RuntimeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case conflictStorm, versionChanged, checkpointBeyondLog, unknownProjection, badConfiguration
            case targetUnavailable, leaseLost
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

        public var description: String { base.rawValue }
    }

    public var code: Code
    public var message: String
    public var projection: String?

    public init(_ code: Code, _ message: String, projection: String? = nil) {
        self.code = code
        self.message = message
        self.projection = projection
    }

    public var description: String {
        if let projection { return "projection \(projection): \(message)" }
        return message
    }
}
