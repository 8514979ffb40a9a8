public import ProjectorCore

/// A failure in projector's PostgreSQL layer: reading events, migrating, checkpoints, leases.
///
/// `description` is one line naming where and what; it never contains passwords or event bodies.
public struct ProjectorPostgresError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case missingDatabaseURL, connectionFailed, queryFailed, notMigrated, staleLease, checkpointBackwards
            case checkpointBeyondHead, readOnlyDatabase, leaseNotHeld, unknownProjection, malformedRow
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Neither `postgres.url` nor `DATABASE_URL` is set.
        public static let missingDatabaseURL = Code(.missingDatabaseURL)
        /// The server could not be reached or the connection broke.
        public static let connectionFailed = Code(.connectionFailed)
        /// The server rejected a statement.
        public static let queryFailed = Code(.queryFailed)
        /// The event table or projector's tables lack what `projector migrate` installs.
        public static let notMigrated = Code(.notMigrated)
        /// A checkpoint write by an instance whose lease epoch is no longer current.
        public static let staleLease = Code(.staleLease)
        /// A checkpoint write that would move the checkpoint backwards.
        public static let checkpointBackwards = Code(.checkpointBackwards)
        /// A checkpoint lies beyond the newest event (restored or replaced database).
        public static let checkpointBeyondHead = Code(.checkpointBeyondHead)
        /// The database refuses writes (read replica, `default_transaction_read_only`).
        public static let readOnlyDatabase = Code(.readOnlyDatabase)
        /// The projection's advisory lock is not (or no longer) held by this instance.
        public static let leaseNotHeld = Code(.leaseNotHeld)
        /// No checkpoint row exists for the projection.
        public static let unknownProjection = Code(.unknownProjection)
        /// A row could not be decoded (wrong column type, invalid JSON).
        public static let malformedRow = Code(.malformedRow)

        /// The code's name, e.g. `staleLease`.
        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// One line: what happened and what to do.
    public var message: String
    /// The projection concerned, when there is one.
    public var projection: String?
    /// The cursor concerned, when there is one.
    public var cursor: EventCursor?
    /// The SQLSTATE reported by the server, when the server reported the error.
    public var sqlState: String?

    /// Creates an error; projection, cursor and SQLSTATE are optional context.
    public init(
        _ code: Code,
        _ message: String,
        projection: String? = nil,
        cursor: EventCursor? = nil,
        sqlState: String? = nil
    ) {
        self.code = code
        self.message = message
        self.projection = projection
        self.cursor = cursor
        self.sqlState = sqlState
    }

    /// One line: `postgres: [projection NAME: ]message[ (at TX:POS)][ [SQLSTATE X]]`.
    public var description: String {
        var text = "postgres: "
        if let projection { text += "projection \(projection): " }
        text += message
        if let cursor { text += " (at \(cursor))" }
        if let sqlState { text += " [SQLSTATE \(sqlState)]" }
        return text
    }
}
