public import Logging
public import PostgresNIO
import ProjectorCore

/// Installs and upgrades projector's database objects (`projector migrate`).
///
/// Idempotent and safe to run from many instances at once: everything happens in one
/// transaction that first takes `pg_advisory_xact_lock`, and every step checks the catalog
/// before changing anything. Applied steps are recorded in `<schema>.migrations`.
public struct Migrator: Sendable {
    /// The event table and schema the migration installs objects for.
    public let layout: EventTableLayout
    let logger: Logger

    /// Creates a migrator; runs nothing until ``migrate(on:)`` or ``migrate(client:)``.
    public init(layout: EventTableLayout, logger: Logger) {
        self.layout = layout
        self.logger = logger
    }

    /// The advisory lock key all migrations serialise on.
    static let lockKey = StableHash.lockKey("projector:migrate")

    /// Runs the migration on `connection` and reports what changed (empty: already up to date).
    @discardableResult
    public func migrate(on connection: PostgresConnection) async throws -> MigrationReport {
        do {
            return try await connection.withTransaction(logger: logger) { connection in
                var run = MigrationRun(connection: connection, layout: layout, logger: logger)
                try await run.execute("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
                try await run.requireEventTable()
                try await run.installSchema()
                try await run.installEventTableObjects()
                return MigrationReport(actions: run.actions)
            }
        } catch {
            throw ProjectorPostgresError.wrapping(error, doing: "migrating \(layout.table)")
        }
    }

    /// Runs the migration on a fresh connection from `client`.
    @discardableResult
    public func migrate(client: PostgresClient) async throws -> MigrationReport {
        try await client.withConnection { connection in try await migrate(on: connection) }
    }
}

/// What a migration did, in order.
public struct MigrationReport: Sendable, Hashable {
    /// One line per change, e.g. `added column position to realm.event_store (1200 rows numbered)`.
    public var actions: [String]

    /// Creates a report from the changes made, in order.
    public init(actions: [String]) { self.actions = actions }

    /// True when nothing needed to change.
    public var isUpToDate: Bool { actions.isEmpty }
}
