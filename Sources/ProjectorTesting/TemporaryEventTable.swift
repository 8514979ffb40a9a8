public import Logging
public import PostgresNIO
public import ProjectorCore

/// A throwaway event table in its own schema (random suffix), plus a configuration that
/// points projector at it with its own projector schema and NOTIFY channel, so tests never
/// see each other's events, checkpoints or notifications.
public struct TemporaryEventTable: Sendable {
    /// Table shapes.
    public enum Shape: Sendable, Hashable {
        /// DESIGN.md §2's layout, `PARTITION BY hash (aggregate_id)` with this many partitions
        /// (0: an ordinary table).
        case seed(partitions: Int)
        /// Other column names: `evt_id, happened_at, agg, num, svc, body` in table `ev_log`.
        case customColumns
    }

    /// The shape the table was created with.
    public let shape: Shape
    /// Schema holding the event table.
    public let eventSchema: String
    /// Schema for projector's own tables.
    public let projectorSchema: String
    /// The configuration for this table (URL, table, columns, schema, channel).
    public let configuration: ProjectorConfiguration

    /// The quoted event table name.
    public var quotedTable: String { configuration.events.table.quoted }

    /// Creates the schema and table (not migrated).
    public static func create(
        url: DatabaseURL,
        shape: Shape = .seed(partitions: 32),
        encoding: EventEncoding = .plain,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> TemporaryEventTable {
        let suffix = TestServers.uniqueSuffix()
        let eventSchema = "realm_\(suffix)"
        var configuration = ProjectorConfiguration()
        configuration.postgres.url = url
        configuration.schema = SQLIdentifier("projector_\(suffix)") ?? configuration.schema
        configuration.events.channel = SQLIdentifier("events_\(suffix)") ?? configuration.events.channel
        configuration.events.encoding = encoding
        let table: String
        switch shape {
        case .seed:
            table = "event_store"
        case .customColumns:
            table = "ev_log"
            var columns = ProjectorConfiguration.Columns()
            columns.id = .known("evt_id")
            columns.createdAt = .known("happened_at")
            columns.stream = .known("agg")
            columns.seq = .known("num")
            columns.service = .known("svc")
            columns.data = .known("body")
            configuration.events.columns = columns
        }
        guard let name = SQLTableName("\(eventSchema).\(table)") else { preconditionFailure("bad test table name") }
        configuration.events.table = name
        let created = TemporaryEventTable(
            shape: shape, eventSchema: eventSchema, projectorSchema: configuration.schema.name,
            configuration: configuration)
        for statement in created.createStatements {
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
        return created
    }

    private var createStatements: [String] {
        let schema = "\"\(eventSchema)\""
        switch shape {
        case .seed(let partitions):
            var statements = [
                "CREATE SCHEMA \(schema)",
                """
                CREATE TABLE \(quotedTable) (
                  id uuid, created_on timestamptz NOT NULL DEFAULT now(),
                  invocation_id uuid NOT NULL, request_id uuid NOT NULL,
                  interaction_id uuid NOT NULL, breadcrumbs varchar(255) NOT NULL,
                  event_seq int NOT NULL, service_name varchar(255) NOT NULL,
                  aggregate_id uuid NOT NULL, data jsonb NOT NULL,
                  PRIMARY KEY (service_name, aggregate_id, event_seq)
                )\(partitions > 0 ? " PARTITION BY hash (aggregate_id)" : "")
                """,
            ]
            for index in 0..<partitions {
                statements.append(
                    """
                    CREATE TABLE \(schema)."event_store_\(index)" PARTITION OF \(quotedTable)
                    FOR VALUES WITH (MODULUS \(partitions), REMAINDER \(index))
                    """)
            }
            return statements
        case .customColumns:
            return [
                "CREATE SCHEMA \(schema)",
                """
                CREATE TABLE \(quotedTable) (
                  evt_id uuid NOT NULL DEFAULT gen_random_uuid(), happened_at timestamptz NOT NULL DEFAULT now(),
                  agg text NOT NULL, num int NOT NULL, svc text NOT NULL, body jsonb NOT NULL,
                  PRIMARY KEY (svc, agg, num))
                """,
            ]
        }
    }

    /// Drops both schemas.
    public func drop(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \"\(eventSchema)\" CASCADE"), logger: logger)
        try await connection.query(
            PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \"\(projectorSchema)\" CASCADE"), logger: logger)
    }

    /// The INSERT of `events` as one statement (one transaction unless inside one).
    public func insertQuery(_ events: [TestEvent]) -> PostgresQuery {
        let typeKey = configuration.events.typeKey
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(events.map { Int32($0.seq) })
        bindings.append(events.map(\.service))
        bindings.append(events.map(\.stream))
        bindings.append(
            events.map { event -> String in
                var data = JSONObject(minimumCapacity: event.data.count + 1)
                data[typeKey] = .string(event.type)
                for (key, value) in event.data { data[key] = value }
                return JSONValue.object(data).serialized()
            })
        let sql: String
        switch shape {
        case .seed:
            sql = """
                INSERT INTO \(quotedTable) (id, invocation_id, request_id, interaction_id, breadcrumbs,
                  event_seq, service_name, aggregate_id, data)
                SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'test',
                  s, v, a::uuid, d::jsonb
                FROM unnest($1::int4[], $2::text[], $3::text[], $4::text[]) AS x(s, v, a, d)
                """
        case .customColumns:
            sql = """
                INSERT INTO \(quotedTable) (num, svc, agg, body)
                SELECT s, v, a, d::jsonb FROM unnest($1::int4[], $2::text[], $3::text[], $4::text[]) AS x(s, v, a, d)
                """
        }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    /// Inserts `events` in one statement.
    public func insert(_ events: [TestEvent], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(insertQuery(events), logger: logger)
    }

    /// Inserts `count` generated events (seed layout) in one `INSERT … SELECT generate_series`:
    /// `streams` aggregates of service `bench`, type `bench-event`, ~`payloadBytes` bytes of data;
    /// then `ANALYZE`s the table.
    ///
    /// Events go round robin over all `streams`, so every aggregate stays active to the end of the log; with
    /// `activeStreams`, round robin over that many at a time, each aggregate's `count / streams` events in a row of
    /// rounds, after which it goes quiet (as in most real logs).
    public func insertGenerated(
        count: Int,
        streams: Int = 10_000,
        activeStreams: Int? = nil,
        payloadBytes: Int = 500,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        let filler = max(0, payloadBytes - 160)
        var stream = "g % \(streams)"
        var seq = "g / \(streams) + 1"
        if let active = activeStreams.map({ max(1, min($0, streams)) }) {
            // Waves of `active` aggregates, each wave `active * perStream` events long.
            let wave = active * max(1, count / streams)
            stream = "g / \(wave) * \(active) + g % \(active)"
            seq = "g % \(wave) / \(active) + 1"
        }
        let sql = """
            INSERT INTO \(quotedTable) (id, invocation_id, request_id, interaction_id, breadcrumbs,
              event_seq, service_name, aggregate_id, data)
            SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'bench',
              \(seq), 'bench', md5('s' || (\(stream)))::uuid,
              jsonb_build_object('\(configuration.events.typeKey)', 'bench-event', 'n', g, 'amount', g % 1000,
                'owner', 'user-' || (g % 977), 'currency', 'EUR', 'tags', jsonb_build_array('a', 'b', 'c'),
                'note', repeat('x', \(filler)))
            FROM generate_series(0, \(count - 1)) AS g
            """
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        try await connection.query(PostgresQuery(unsafeSQL: "ANALYZE \(quotedTable)"), logger: logger)
    }
}
