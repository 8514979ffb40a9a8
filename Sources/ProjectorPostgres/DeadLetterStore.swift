public import Logging
public import PostgresNIO
public import ProjectorCore

/// Reads and writes `<schema>.dead_letters`.
public struct DeadLetterStore: Sendable {
    /// The pooled client the queries run on.
    public let client: PostgresClient
    /// The schema holding `dead_letters` (projector's own schema).
    public let schema: SQLIdentifier
    let logger: Logger

    /// Creates a store; starts nothing (the client must be running to query).
    public init(client: PostgresClient, schema: SQLIdentifier, logger: Logger) {
        self.client = client
        self.schema = schema
        self.logger = logger
    }

    var table: String { schema.quoted + ".\"dead_letters\"" }

    /// Records `event` as failed for `projection`; returns the new id.
    @discardableResult
    public func add(projection: String, event: Event, error: String) async throws -> Int64 {
        let query: PostgresQuery = """
            INSERT INTO \(unescaped: table)
              (projection, event_id, tx_id, position, service, stream, seq, event_type, error, payload)
            VALUES (\(projection), \(event.id), \(TransactionID(event.cursor.transactionID)), \(event.cursor.position),
              \(event.service), \(event.stream), \(event.seq), \(event.type), \(error), \(event.jsonValue.serialized())::jsonb)
            RETURNING id
            """
        do {
            for try await id in try await client.query(query, logger: logger).decode(Int64.self) { return id }
            throw ProjectorPostgresError(.queryFailed, "INSERT returned no id", projection: projection)
        } catch {
            throw ProjectorPostgresError.wrapping(error, doing: "recording a dead letter", projection: projection)
        }
    }

    private var columns: String {
        "id, projection, event_id, tx_id, position, service, stream, seq, event_type, error, payload::text, to_json(created_at) #>> '{}'"
    }

    /// Dead letters of `projection`, oldest first, at most `limit`.
    public func list(projection: String, limit: Int = 1000) async throws -> [DeadLetter] {
        let query: PostgresQuery = """
            SELECT \(unescaped: columns) FROM \(unescaped: table) WHERE projection = \(projection)
            ORDER BY id LIMIT \(Int64(limit))
            """
        return try await select(query, projection: projection)
    }

    /// One dead letter by id.
    public func get(id: Int64) async throws -> DeadLetter? {
        let query: PostgresQuery = "SELECT \(unescaped: columns) FROM \(unescaped: table) WHERE id = \(id)"
        return try await select(query, projection: nil).first
    }

    /// Number of dead letters of `projection`.
    public func count(projection: String) async throws -> Int64 {
        let query: PostgresQuery = "SELECT count(*)::int8 FROM \(unescaped: table) WHERE projection = \(projection)"
        do {
            for try await count in try await client.query(query, logger: logger).decode(Int64.self) { return count }
            return 0
        } catch {
            throw ProjectorPostgresError.wrapping(error, doing: "counting dead letters", projection: projection)
        }
    }

    /// Deletes the given dead letters of `projection`; returns how many were deleted.
    @discardableResult
    public func remove(projection: String, ids: [Int64]) async throws -> Int {
        let query: PostgresQuery = """
            DELETE FROM \(unescaped: table) WHERE projection = \(projection) AND id = ANY(\(ids)) RETURNING id
            """
        return try await delete(query, projection: projection)
    }

    /// Deletes every dead letter of `projection`; returns how many were deleted.
    @discardableResult
    public func removeAll(projection: String) async throws -> Int {
        let query: PostgresQuery = "DELETE FROM \(unescaped: table) WHERE projection = \(projection) RETURNING id"
        return try await delete(query, projection: projection)
    }

    private func delete(_ query: PostgresQuery, projection: String) async throws -> Int {
        do {
            var count = 0
            for try await _ in try await client.query(query, logger: logger) { count += 1 }
            return count
        } catch {
            throw ProjectorPostgresError.wrapping(error, doing: "deleting dead letters", projection: projection)
        }
    }

    private func select(_ query: PostgresQuery, projection: String?) async throws -> [DeadLetter] {
        do {
            var letters: [DeadLetter] = []
            let rows = try await client.query(query, logger: logger)
            for try await row in rows.decode(
                (
                    Int64, String, String?, TransactionID, Int64, String?, String?, Int64?, String?, String, String,
                    String
                ).self)
            {
                let payload = try JSONValue(parsing: row.10)
                let event = Event(
                    id: row.2 ?? "", type: row.8 ?? "", stream: row.6 ?? "", seq: row.7 ?? 0, service: row.5 ?? "",
                    cursor: EventCursor(transactionID: row.3.rawValue, position: row.4),
                    createdAt: payload["created_at"]?.stringValue ?? "", data: payload["data"] ?? .null)
                letters.append(DeadLetter(id: row.0, projection: row.1, event: event, error: row.9, createdAt: row.11))
            }
            return letters
        } catch {
            throw ProjectorPostgresError.wrapping(error, doing: "reading dead letters", projection: projection)
        }
    }
}
