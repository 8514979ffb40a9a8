import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorTesting
import Testing

@Suite struct MigrationTests {
    private func columnNames(_ table: TemporaryEventTable, on connection: PostgresConnection) async throws -> Set<
        String
    > {
        var names: Set<String> = []
        let query: PostgresQuery = """
            SELECT attname FROM pg_attribute WHERE attrelid = \(table.quotedTable)::regclass AND attnum > 0 AND NOT attisdropped
            """
        for try await name in try await connection.query(query, logger: PostgresTesting.logger).decode(String.self) {
            names.insert(name)
        }
        return names
    }

    @Test func migrateTwiceIsIdempotent() async throws {
        guard let url = try TestServers.databaseURL() else { return }
        try await PostgresTesting.withTemporaryEventTable(url) { table, connection in
            let migrator = Migrator(layout: EventTableLayout(table.configuration), logger: PostgresTesting.logger)
            let first = try await migrator.migrate(on: connection)
            #expect(first.actions.contains { $0.contains("added column position") })
            #expect(first.actions.contains { $0.contains("created trigger") })
            let second = try await migrator.migrate(on: connection)
            #expect(second.isUpToDate, "second run changed: \(second.actions)")
            #expect(try await columnNames(table, on: connection).isSuperset(of: ["position", "tx_id"]))
        }
    }

    @Test func concurrentMigrationsFromTwoClientsBothSucceed() async throws {
        guard let url = try TestServers.databaseURL() else { return }
        try await PostgresTesting.withTemporaryEventTable(url) { table, _ in
            let layout = EventTableLayout(table.configuration)
            let reports = try await withThrowingTaskGroup(of: MigrationReport.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await PostgresTesting.withConnection(url) { connection in
                            try await Migrator(layout: layout, logger: PostgresTesting.logger).migrate(on: connection)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // Exactly one of them did the work; the other found everything in place.
            #expect(reports.filter(\.isUpToDate).count == 1)
        }
    }

    @Test func rolesThatMayInsertGetThePositionSequence() async throws {
        guard let url = try TestServers.databaseURL() else { return }
        try await PostgresTesting.withTemporaryEventTable(url, shape: .seed(partitions: 4)) { table, connection in
            let early = "writer_early_\(TestServers.uniqueSuffix())"
            let late = "writer_late_\(TestServers.uniqueSuffix())"
            let migrator = Migrator(layout: EventTableLayout(table.configuration), logger: PostgresTesting.logger)
            for role in [early, late] {
                try await execute("CREATE ROLE \(role)", on: connection)
                try await execute("GRANT USAGE ON SCHEMA \"\(table.eventSchema)\" TO \(role)", on: connection)
            }
            /// Inserts one event as `role`; the error when PostgreSQL refuses it.
            func insert(as role: String, seq: Int) async -> (any Error)? {
                do {
                    try await execute("SET ROLE \(role)", on: connection)
                    try await table.insert(
                        [TestEvent(stream: "00000000-0000-4000-8000-00000000000a", seq: seq, type: "t")],
                        on: connection, logger: PostgresTesting.logger)
                    try await execute("RESET ROLE", on: connection)
                    return nil
                } catch {
                    try? await execute("RESET ROLE", on: connection)
                    return error
                }
            }

            try await execute("GRANT INSERT ON \(table.quotedTable) TO \(early)", on: connection)
            let first = try await migrator.migrate(on: connection)
            #expect(first.actions.contains { $0.contains("granted USAGE") && $0.contains(early) })
            #expect(await insert(as: early, seq: 1) == nil)

            // A writer given INSERT after migrate cannot insert until migrate runs again.
            try await execute("GRANT INSERT ON \(table.quotedTable) TO \(late)", on: connection)
            #expect(await insert(as: late, seq: 2) != nil)
            let second = try await migrator.migrate(on: connection)
            #expect(second.actions == ["granted USAGE on \(table.quotedTable.dropLast())_position_seq\" to \(late) (it may insert into \(table.configuration.events.table))"])
            #expect(await insert(as: late, seq: 2) == nil)
            #expect(try await migrator.migrate(on: connection).isUpToDate)

            for role in [early, late] {
                try await execute("REVOKE ALL ON \(table.quotedTable) FROM \(role)", on: connection)
                try await execute("REVOKE ALL ON SCHEMA \"\(table.eventSchema)\" FROM \(role)", on: connection)
                try await execute(
                    "REVOKE ALL ON SEQUENCE \(table.quotedTable.dropLast())_position_seq\" FROM \(role)", on: connection)
                try await execute("DROP ROLE \(role)", on: connection)
            }
        }
    }

    @Test func existingRowsAreNumberedInCreationOrder() async throws {
        guard let url = try TestServers.databaseURL() else { return }
        try await PostgresTesting.withTemporaryEventTable(url, shape: .seed(partitions: 4)) { table, connection in
            let a = "00000000-0000-4000-8000-00000000000a"
            let b = "00000000-0000-4000-8000-00000000000b"
            // Same created_on for the first two: ties broken by aggregate id, then seq.
            try await execute(
                """
                INSERT INTO \(table.quotedTable) (id, created_on, invocation_id, request_id, interaction_id, breadcrumbs,
                  event_seq, service_name, aggregate_id, data) VALUES
                (gen_random_uuid(), '2024-01-01 10:00:02+00', gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), '', 2, 's', '\(a)', '{"event-id":"third"}'),
                (gen_random_uuid(), '2024-01-01 10:00:00+00', gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), '', 1, 's', '\(b)', '{"event-id":"second"}'),
                (gen_random_uuid(), '2024-01-01 10:00:00+00', gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), '', 1, 's', '\(a)', '{"event-id":"first"}')
                """, on: connection)
            let report = try await Migrator(
                layout: EventTableLayout(table.configuration), logger: PostgresTesting.logger
            )
            .migrate(on: connection)
            #expect(report.actions.contains { $0.contains("3 existing rows numbered") })
            try await table.insert(
                [TestEvent(stream: b, seq: 2, type: "fourth")], on: connection, logger: PostgresTesting.logger)
            try await ProjectorDatabase.withDatabase(configuration: table.configuration, logger: PostgresTesting.logger)
            {
                database in
                let events = try await readUntil(database.reader, count: 4, batchSize: 100)
                #expect(events.map(\.type) == ["first", "second", "third", "fourth"])
                #expect(events.map(\.cursor.position) == [1, 2, 3, 4])
                #expect(events[0].createdAt == "2024-01-01T10:00:00+00:00")
            }
        }
    }

    @Test(arguments: [TemporaryEventTable.Shape.seed(partitions: 32), .seed(partitions: 0), .customColumns])
    func migratesEveryLayoutAndDelivers(shape: TemporaryEventTable.Shape) async throws {
        try await withMigratedTable(shape: shape) { migrated, connection in
            let stream = TestEvent.uuid()
            try await migrated.table.insert(
                streamEvents(stream, seqs: 1...3), on: connection, logger: PostgresTesting.logger)
            let events = try await readUntil(migrated.database.reader, count: 3, batchSize: 100)
            #expect(events.map(\.seq) == [1, 2, 3])
            #expect(events.allSatisfy { $0.stream == stream && $0.type == "happened" && $0.service == "svc" })
            #expect(events.first?.data["n"] == .int(1))
            #expect(!(events.first?.id.isEmpty ?? true))
        }
    }

    @Test func partitionedTableGetsTheIndexOnTheParent() async throws {
        try await withMigratedTable(shape: .seed(partitions: 32)) { migrated, connection in
            let query: PostgresQuery = """
                SELECT count(*)::int8 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE c.relkind = 'i' AND i.inhparent = to_regclass(\(migrated.table.eventSchema + ".event_store_projector_cursor_idx"))
                """
            var partitions: Int64 = 0
            for try await count in try await connection.query(query, logger: PostgresTesting.logger).decode(Int64.self)
            {
                partitions = count
            }
            #expect(partitions == 32)
        }
    }

    @Test func hostileTableNameIsRejectedBeforeAnyStatementRuns() async throws {
        let yaml = #"""
            events:
              table: 'events"; DROP TABLE x;--'
            """#
        let error = #expect(throws: ConfigurationError.self) {
            try ProjectorConfiguration(yaml: yaml, environment: ["DATABASE_URL": "postgres://u:secret@h/db"])
        }
        #expect(error?.code == .invalidIdentifier)
        #expect(error?.description.hasPrefix("projector.yaml:2:10: events.table") == true)
        // And nothing can reach the database: the hostile name cannot even be represented.
        #expect(SQLTableName(#"events"; DROP TABLE x;--"#) == nil)
        guard let url = try TestServers.databaseURL() else { return }
        try await PostgresTesting.withConnection(url) { connection in
            let suffix = TestServers.uniqueSuffix()
            try await execute("CREATE TABLE \"x_\(suffix)\" (id int)", on: connection)
            let hostile = ["events\"; DROP TABLE \"x_\(suffix)\";--", "events_\(suffix) x", "a.b.c"]
            for name in hostile {
                #expect(throws: ConfigurationError.self) {
                    try ProjectorConfiguration(yaml: "events: {table: '\(name)'}")
                }
            }
            var exists = false
            for try await value in try await connection.query(
                "SELECT to_regclass(\("\"x_\(suffix)\"")) IS NOT NULL", logger: PostgresTesting.logger
            ).decode(Bool.self) {
                exists = value
            }
            #expect(exists)
            try await execute("DROP TABLE \"x_\(suffix)\"", on: connection)
        }
    }
}
