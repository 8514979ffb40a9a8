import Logging
import PostgresNIO
import ProjectorCore

/// One migration in progress on one connection inside the migration transaction.
struct MigrationRun {
    let connection: PostgresConnection
    let layout: EventTableLayout
    let logger: Logger
    var actions: [String] = []

    static let notifyTrigger = "projector_notify"

    mutating func execute(_ sql: String, _ binds: PostgresBindings = .init()) async throws {
        try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
    }

    func flag(_ sql: String, _ binds: PostgresBindings = .init()) async throws -> Bool {
        for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            .decode(Bool?.self)
        {
            return value ?? false
        }
        return false
    }

    func count(_ sql: String) async throws -> Int64 {
        for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            .decode(Int64.self)
        {
            return value
        }
        return 0
    }

    private func bindings(_ values: String...) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { bindings.append(value) }
        return bindings
    }

    func relationExists(_ quotedName: String) async throws -> Bool {
        try await flag("SELECT to_regclass($1) IS NOT NULL", bindings(quotedName))
    }

    func columnExists(_ column: SQLIdentifier) async throws -> Bool {
        try await flag(
            "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2 AND attnum > 0 AND NOT attisdropped)",
            bindings(layout.table.quoted, column.name))
    }

    func isApplied(version: Int, name: String) async throws -> Bool {
        var binds = PostgresBindings(capacity: 2)
        binds.append(version)
        binds.append(name)
        return try await flag(
            "SELECT EXISTS (SELECT 1 FROM \(layout.own("migrations")) WHERE version = $1 AND name = $2)", binds)
    }

    mutating func record(version: Int, name: String) async throws {
        var binds = PostgresBindings(capacity: 2)
        binds.append(version)
        binds.append(name)
        try await execute(
            "INSERT INTO \(layout.own("migrations")) (version, name) VALUES ($1, $2) ON CONFLICT DO NOTHING", binds)
    }

    func requireEventTable() async throws {
        guard try await relationExists(layout.table.quoted) else {
            throw ProjectorPostgresError(
                .notMigrated, "event table \(layout.table) does not exist; check events.table in projector.yaml")
        }
    }

    /// Schema, ledger, checkpoints, dead letters and the trigger function (version 1).
    mutating func installSchema() async throws {
        let schemaExists = try await flag(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", bindings(layout.schema.name))
        if !schemaExists {
            try await execute("CREATE SCHEMA \(layout.schema.quoted)")
            actions.append("created schema \(layout.schema.name)")
        }
        try await execute(
            """
            CREATE TABLE IF NOT EXISTS \(layout.own("migrations")) (
              version int NOT NULL, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
              PRIMARY KEY (version, name))
            """)
        let name = "checkpoints, dead_letters, notify function"
        guard try await !isApplied(version: 1, name: name) else { return }
        for statement in schemaStatements { try await execute(statement) }
        try await record(version: 1, name: name)
        actions.append("created \(layout.schema.name).checkpoints, \(layout.schema.name).dead_letters")
    }

    private var schemaStatements: [String] {
        [
            """
            CREATE TABLE IF NOT EXISTS \(layout.own("checkpoints")) (
              projection text PRIMARY KEY,
              tx_id xid8 NOT NULL DEFAULT '0',
              position bigint NOT NULL DEFAULT 0,
              projection_version int NOT NULL DEFAULT 0,
              state text NOT NULL DEFAULT 'idle',
              owner text,
              lease_epoch bigint NOT NULL DEFAULT 0,
              paused boolean NOT NULL DEFAULT false,
              last_error text,
              error_position text,
              metadata jsonb NOT NULL DEFAULT '{}',
              created_at timestamptz NOT NULL DEFAULT now(),
              updated_at timestamptz NOT NULL DEFAULT now())
            """,
            """
            CREATE TABLE IF NOT EXISTS \(layout.own("dead_letters")) (
              id bigserial PRIMARY KEY,
              projection text NOT NULL,
              event_id text,
              tx_id xid8 NOT NULL,
              position bigint NOT NULL,
              service text,
              stream text,
              seq bigint,
              event_type text,
              error text NOT NULL,
              payload jsonb NOT NULL,
              created_at timestamptz NOT NULL DEFAULT now())
            """,
            """
            CREATE INDEX IF NOT EXISTS "dead_letters_projection_idx"
              ON \(layout.own("dead_letters")) (projection, id)
            """,
            """
            CREATE OR REPLACE FUNCTION \(layout.own("notify_events"))() RETURNS trigger
            LANGUAGE plpgsql AS $fn$
            BEGIN
              PERFORM pg_notify(TG_ARGV[0], '');
              RETURN NULL;
            END
            $fn$
            """,
        ]
    }

    /// position, tx_id, the cursor index and the NOTIFY trigger on the event table (version 2).
    mutating func installEventTableObjects() async throws {
        let table = layout.table.quoted
        if try await !columnExists(SQLIdentifier.known("position")) {
            let sequence = layout.sibling("position_seq")
            let c = layout.columns
            try await execute("CREATE SEQUENCE IF NOT EXISTS \(sequence) AS bigint")
            try await execute("ALTER TABLE \(table) ADD COLUMN position bigint")
            let numbered = try await count(
                """
                WITH ordered AS (
                  SELECT tableoid AS relation, ctid AS row_id,
                         row_number() OVER (ORDER BY \(c.createdAt.quoted), \(c.stream.quoted), \(c.seq.quoted)) AS n
                  FROM \(table)),
                updated AS (
                  UPDATE \(table) e SET position = ordered.n FROM ordered
                  WHERE e.tableoid = ordered.relation AND e.ctid = ordered.row_id RETURNING 1)
                SELECT count(*)::int8 FROM updated
                """)
            if numbered > 0 {
                try await execute("SELECT setval('\(sequence)'::regclass, \(numbered))")
            }
            try await execute("ALTER TABLE \(table) ALTER COLUMN position SET DEFAULT nextval('\(sequence)'::regclass)")
            try await execute("ALTER TABLE \(table) ALTER COLUMN position SET NOT NULL")
            try await execute("ALTER SEQUENCE \(sequence) OWNED BY \(table).position")
            actions.append("added column position to \(layout.table) (\(numbered) existing rows numbered)")
        }
        try await grantPositionSequenceToWriters()
        if try await !columnExists(SQLIdentifier.known("tx_id")) {
            // Existing rows are all committed: a constant old xid keeps them below every watermark
            // without rewriting the table; new rows get their writer's transaction id.
            try await execute("ALTER TABLE \(table) ADD COLUMN tx_id xid8 NOT NULL DEFAULT '1'")
            try await execute("ALTER TABLE \(table) ALTER COLUMN tx_id SET DEFAULT pg_current_xact_id()")
            actions.append("added column tx_id to \(layout.table)")
        }
        let index = layout.sibling("projector_cursor_idx")
        if try await !relationExists(index) {
            try await execute(
                "CREATE INDEX \(layout.siblingName("projector_cursor_idx")) ON \(table) (tx_id, position)")
            actions.append("created index \(layout.table.schema.name).\(layout.table.table.name)_projector_cursor_idx")
        }
        try await installTrigger()
        let name = "event table \(layout.table)"
        if try await !isApplied(version: 2, name: name) {
            try await record(version: 2, name: name)
        }
    }

    /// Grants `USAGE` on the position sequence to every role (or PUBLIC) that may insert into the event table and
    /// lacks it: the `position` default calls `nextval`, so without it the application's inserts would fail once
    /// migrate has run. Roles given INSERT later need the grant too (running migrate again gives it).
    private mutating func grantPositionSequenceToWriters() async throws {
        let sequence = layout.sibling("position_seq")
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END
                    FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
                    LEFT JOIN pg_roles r ON r.oid = a.grantee
                    WHERE c.oid = $1::regclass AND a.privilege_type = 'INSERT' AND a.grantee <> c.relowner
                      AND NOT EXISTS (
                        SELECT 1 FROM pg_class s CROSS JOIN LATERAL aclexplode(s.relacl) b
                        WHERE s.oid = $2::regclass AND b.grantee = a.grantee AND b.privilege_type = 'USAGE')
                    """,
                binds: bindings(layout.table.quoted, sequence)),
            logger: logger)
        var writers: [String] = []
        for try await role in rows.decode(String?.self) {
            if let role { writers.append(role) }
        }
        for role in writers.sorted() {
            // `role` comes from quote_ident (or is PUBLIC): a quoted identifier, never raw text.
            try await execute("GRANT USAGE ON SEQUENCE \(sequence) TO \(role)")
            actions.append("granted USAGE on \(sequence) to \(role) (it may insert into \(layout.table))")
        }
    }

    private mutating func installTrigger() async throws {
        let table = layout.table.quoted
        let current = try await flag(
            """
            SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = $2
              AND tgargs = convert_to($3, 'UTF8') || '\\x00'::bytea)
            """,
            bindings(table, Self.notifyTrigger, layout.channel.name))
        guard !current else { return }
        try await execute("DROP TRIGGER IF EXISTS \(Self.notifyTrigger) ON \(table)")
        try await execute(
            """
            CREATE TRIGGER \(Self.notifyTrigger) AFTER INSERT ON \(table)
            FOR EACH STATEMENT EXECUTE FUNCTION \(layout.own("notify_events"))(\(layout.channel.literal))
            """)
        actions.append(
            "created trigger \(Self.notifyTrigger) on \(layout.table) notifying channel \(layout.channel.name)")
    }
}
