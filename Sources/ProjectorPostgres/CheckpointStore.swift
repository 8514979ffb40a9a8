public import Logging
public import PostgresNIO
public import ProjectorCore

/// Reads and writes `<schema>.checkpoints`.
///
/// The cursor is only written through ``commit(_:lease:)``: a compare-and-set on the
/// lease's own connection that fails loudly when the lease epoch is stale or the cursor
/// would move backwards. Every failed write throws; none is silently ignored.
public struct CheckpointStore: Sendable {
    /// The pool reads and lease-less writes use.
    public let client: PostgresClient
    /// The schema holding `checkpoints` (configuration key `schema`).
    public let schema: SQLIdentifier
    let logger: Logger

    /// A store over `client`; connects nothing by itself.
    public init(client: PostgresClient, schema: SQLIdentifier, logger: Logger) {
        self.client = client
        self.schema = schema
        self.logger = logger
    }

    var table: String { schema.quoted + ".\"checkpoints\"" }

    private var columns: String {
        """
        projection, tx_id, position, projection_version, state, owner, lease_epoch, paused, last_error,
        error_position, metadata::text, to_json(updated_at) #>> '{}'
        """
    }

    /// The checkpoint of `projection`, `nil` when it has none yet.
    public func read(_ projection: String) async throws -> Checkpoint? {
        try await select("SELECT \(columns) FROM \(table) WHERE projection = $1", projection).first
    }

    /// Every checkpoint, by projection name.
    public func readAll() async throws -> [Checkpoint] {
        try await select("SELECT \(columns) FROM \(table) ORDER BY projection", nil)
    }

    private func select(_ sql: String, _ projection: String?) async throws -> [Checkpoint] {
        var bindings = PostgresBindings()
        if let projection { bindings.append(projection) }
        do {
            var result: [Checkpoint] = []
            let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            for try await row in rows.decode(
                (
                    String, TransactionID, Int64, Int32, String, String?, Int64, Bool, String?, String?, String,
                    String
                ).self)
            {
                let metadata = (try? JSONValue(parsing: row.10)) ?? .object(JSONObject())
                result.append(
                    Checkpoint(
                        projection: row.0, cursor: EventCursor(transactionID: row.1.rawValue, position: row.2),
                        projectionVersion: Int(row.3), state: row.4, owner: row.5, leaseEpoch: row.6, paused: row.7,
                        lastError: row.8, errorPosition: row.9, metadata: metadata, updatedAt: row.11))
            }
            return result
        } catch {
            throw ProjectorPostgresError.wrapping(error, doing: "reading checkpoints", projection: projection)
        }
    }

    /// Creates the checkpoint row at the start of the log if it does not exist; returns the row.
    public func register(_ projection: String, version: Int) async throws -> Checkpoint {
        try await write(
            "INSERT INTO \(table) (projection, projection_version) VALUES ($1, $2) ON CONFLICT (projection) DO NOTHING",
            projection, [.int(version)], requireRow: false)
        guard let checkpoint = try await read(projection) else {
            throw ProjectorPostgresError(
                .unknownProjection, "checkpoint row vanished after insert", projection: projection)
        }
        return checkpoint
    }

    /// Moves the checkpoint to `cursor`, guarded by `lease`: runs on the lease's connection
    /// and only succeeds while the row carries the lease's epoch and `cursor` is not behind
    /// the stored one.
    /// - Throws: `staleLease`, `checkpointBackwards`, `leaseNotHeld`, `readOnlyDatabase`, …
    public func commit(_ cursor: EventCursor, lease: ProjectionLease) async throws {
        let projection = lease.projection
        let query: PostgresQuery = """
            UPDATE \(unescaped: table) SET tx_id = \(TransactionID(cursor.transactionID)), position = \(cursor.position),
              updated_at = now()
            WHERE projection = \(projection) AND lease_epoch = \(lease.epoch)
              AND (tx_id, position) <= (\(TransactionID(cursor.transactionID)), \(cursor.position))
            RETURNING 1
            """
        let updated: Bool
        do {
            updated = try await lease.onConnection { connection in
                for try await _ in try await connection.query(query, logger: logger) { return true }
                return false
            }
        } catch {
            throw ProjectorPostgresError.wrapping(error, doing: "writing the checkpoint", projection: projection)
        }
        guard !updated else { return }
        guard let current = try await read(projection) else {
            throw ProjectorPostgresError(
                .unknownProjection, "no checkpoint row", projection: projection, cursor: cursor)
        }
        if current.leaseEpoch != lease.epoch {
            throw ProjectorPostgresError(
                .staleLease,
                "checkpoint not written: lease epoch \(lease.epoch) is stale (current \(current.leaseEpoch)); another instance owns the projection",
                projection: projection, cursor: cursor)
        }
        throw ProjectorPostgresError(
            .checkpointBackwards, "checkpoint not written: it would move back from \(current.cursor)",
            projection: projection, cursor: cursor)
    }

    /// Records the runtime state and last error (`nil` clears it). With a lease, only while
    /// its epoch is current.
    public func setState(
        _ projection: String,
        state: String,
        lastError: String? = nil,
        errorPosition: EventCursor? = nil,
        lease: ProjectionLease? = nil
    ) async throws {
        var sql =
            "UPDATE \(table) SET state = $2, last_error = $3, error_position = $4, updated_at = now() WHERE projection = $1"
        var values: [JSONValue] = [.string(state), lastError.map(JSONValue.string) ?? .null]
        values.append(errorPosition.map { .string($0.description) } ?? .null)
        if let lease {
            sql += " AND lease_epoch = $5"
            values.append(.int(Int(lease.epoch)))
        }
        try await write(sql, projection, values, requireRow: true)
    }

    /// Sets or clears the pause flag (`projector pause` / `resume`).
    public func setPaused(_ projection: String, _ paused: Bool) async throws {
        try await write(
            "UPDATE \(table) SET paused = $2, updated_at = now() WHERE projection = $1", projection, [.bool(paused)],
            requireRow: true)
    }

    /// Records the definition version the view is built with.
    public func setVersion(_ projection: String, _ version: Int) async throws {
        try await write(
            "UPDATE \(table) SET projection_version = $2, updated_at = now() WHERE projection = $1", projection,
            [.int(version)], requireRow: true)
    }

    /// Replaces the runtime-owned metadata JSON.
    public func setMetadata(_ projection: String, _ metadata: JSONValue) async throws {
        try await write(
            "UPDATE \(table) SET metadata = $2::jsonb, updated_at = now() WHERE projection = $1", projection,
            [.string(metadata.serialized())], requireRow: true)
    }

    /// Puts the checkpoint at `cursor` (default: the start), clears the error, and bumps the
    /// lease epoch so a running owner's next commit fails instead of undoing the reset.
    public func reset(_ projection: String, to cursor: EventCursor = .start) async throws {
        let query: PostgresQuery = """
            UPDATE \(unescaped: table) SET tx_id = \(TransactionID(cursor.transactionID)), position = \(cursor.position),
              last_error = NULL, error_position = NULL, lease_epoch = lease_epoch + 1, updated_at = now()
            WHERE projection = \(projection) RETURNING 1
            """
        try await run(query, projection: projection, requireRow: true)
    }

    /// Removes the checkpoint row.
    public func delete(_ projection: String) async throws {
        try await write("DELETE FROM \(table) WHERE projection = $1", projection, [], requireRow: false)
    }

    /// Refuses a checkpoint that lies beyond the newest event of the log (a restored or
    /// replaced database): continuing would silently skip everything up to it.
    public func verifyWithinLog(_ checkpoint: Checkpoint, reader: EventReader) async throws {
        guard checkpoint.cursor > .start else { return }
        let head = try await reader.headCursor() ?? .start
        guard checkpoint.cursor <= head else {
            throw ProjectorPostgresError(
                .checkpointBeyondHead,
                "checkpoint \(checkpoint.cursor) is beyond the newest event \(head) (restored database?); "
                    + "run `projector reset \(checkpoint.projection) --to-start` to rebuild from zero",
                projection: checkpoint.projection)
        }
    }

    private func write(_ sql: String, _ projection: String, _ values: [JSONValue], requireRow: Bool) async throws {
        var bindings = PostgresBindings(capacity: values.count + 1)
        bindings.append(projection)
        for value in values {
            switch value {
            case .string(let text): bindings.append(text)
            case .int(let number): bindings.append(Int64(number))
            case .bool(let flag): bindings.append(flag)
            default: bindings.appendNull()
            }
        }
        let returning = requireRow ? " RETURNING 1" : ""
        try await run(
            PostgresQuery(unsafeSQL: sql + returning, binds: bindings), projection: projection, requireRow: requireRow)
    }

    private func run(_ query: PostgresQuery, projection: String, requireRow: Bool) async throws {
        var found = false
        do {
            for try await _ in try await client.query(query, logger: logger) { found = true }
        } catch {
            throw ProjectorPostgresError.wrapping(error, doing: "writing the checkpoint", projection: projection)
        }
        if requireRow && !found {
            throw ProjectorPostgresError(
                .unknownProjection, "no checkpoint row (or the lease is stale)", projection: projection)
        }
    }
}
