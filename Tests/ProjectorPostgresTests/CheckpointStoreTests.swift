import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorTesting
import Testing

@Suite struct CheckpointStoreTests {
    @Test func commitIsGuardedByTheLeaseEpochAndNeverMovesBackwards() async throws {
        try await withMigratedTable(shape: .seed(partitions: 0)) { migrated, _ in
            let database = migrated.database
            let store = database.checkpoints
            _ = try await store.register("orders", version: 3)
            let first = try #require(try await database.acquireLease(projection: "orders", owner: "instance-a"))
            #expect(try await database.acquireLease(projection: "orders", owner: "instance-b") == nil)
            #expect(await first.isHeld())
            try await store.commit(EventCursor(transactionID: 10, position: 5), lease: first)
            try await store.commit(EventCursor(transactionID: 10, position: 5), lease: first)  // same: allowed
            let backwards = await #expect(throws: ProjectorPostgresError.self) {
                try await store.commit(EventCursor(transactionID: 9, position: 99), lease: first)
            }
            #expect(backwards?.code == .checkpointBackwards)

            // The first owner dies (its session ends); a second instance takes over and bumps the epoch.
            let staleEpoch = first.epoch
            await first.release()
            let second = try #require(try await database.acquireLease(projection: "orders", owner: "instance-b"))
            #expect(second.epoch == staleEpoch + 1)
            #expect(await !first.isHeld())
            let released = await #expect(throws: ProjectorPostgresError.self) {
                try await store.commit(EventCursor(transactionID: 11, position: 1), lease: first)
            }
            #expect(released?.code == .leaseNotHeld)
            try await store.commit(EventCursor(transactionID: 11, position: 1), lease: second)
            let row = try #require(try await store.read("orders"))
            #expect(row.cursor == EventCursor(transactionID: 11, position: 1))
            #expect(row.owner == "instance-b")
            #expect(row.projectionVersion == 3)
            await second.release()
        }
    }

    @Test func aStaleInstanceWhoseEpochWasBumpedCannotWrite() async throws {
        try await withMigratedTable(shape: .seed(partitions: 0)) { migrated, _ in
            let database = migrated.database
            let store = database.checkpoints
            _ = try await store.register("p", version: 1)
            let lease = try #require(try await database.acquireLease(projection: "p", owner: "a"))
            // `projector reset` bumps the epoch while the owner still runs.
            try await store.reset("p")
            let stale = await #expect(throws: ProjectorPostgresError.self) {
                try await store.commit(EventCursor(transactionID: 5, position: 5), lease: lease)
            }
            #expect(stale?.code == .staleLease)
            #expect(await !lease.isHeld())
            #expect(try await store.read("p")?.cursor == .start)
            await lease.release()
        }
    }

    @Test func stateErrorPauseAndMetadataRoundTrip() async throws {
        try await withMigratedTable(shape: .seed(partitions: 0)) { migrated, _ in
            let store = migrated.database.checkpoints
            _ = try await store.register("p", version: 1)
            try await store.setState(
                "p", state: "failed", lastError: "mapping error on key k1",
                errorPosition: EventCursor(transactionID: 7, position: 8))
            try await store.setPaused("p", true)
            try await store.setMetadata("p", ["index": "p_v2"])
            try await store.setVersion("p", 2)
            let row = try #require(try await store.read("p"))
            #expect(row.state == "failed")
            #expect(row.lastError == "mapping error on key k1")
            #expect(row.errorPosition == "7:8")
            #expect(row.paused)
            #expect(row.metadata["index"] == "p_v2")
            #expect(row.projectionVersion == 2)
            let missing = await #expect(throws: ProjectorPostgresError.self) { try await store.setPaused("nope", true) }
            #expect(missing?.code == .unknownProjection)
            #expect(try await store.readAll().map(\.projection) == ["p"])
        }
    }

    @Test func checkpointBeyondTheNewestEventIsRefused() async throws {
        try await withMigratedTable(shape: .seed(partitions: 0)) { migrated, connection in
            let database = migrated.database
            try await migrated.table.insert(
                streamEvents(TestEvent.uuid(), seqs: 1...2), on: connection, logger: PostgresTesting.logger)
            let head = try #require(try await database.reader.headCursor())
            let inside = Checkpoint(projection: "p", cursor: head)
            try await database.checkpoints.verifyWithinLog(inside, reader: database.reader)
            let restored = Checkpoint(
                projection: "p", cursor: EventCursor(transactionID: head.transactionID + 1000, position: 1))
            let error = await #expect(throws: ProjectorPostgresError.self) {
                try await database.checkpoints.verifyWithinLog(restored, reader: database.reader)
            }
            #expect(error?.code == .checkpointBeyondHead)
            #expect(error?.description.contains("reset p --to-start") == true)
        }
    }

    @Test func writesToAReadOnlyDatabaseFailLoudly() async throws {
        try await withMigratedTable(shape: .seed(partitions: 0)) { migrated, _ in
            _ = try await migrated.database.checkpoints.register("p", version: 1)
            // One pooled connection that refuses writes, as a replica would.
            var options = migrated.configuration
            options.postgres.maxConnections = 1
            try await ProjectorDatabase.withDatabase(configuration: options, logger: PostgresTesting.logger) { db in
                try await db.client.withConnection { connection in
                    try await connection.query("SET default_transaction_read_only = on", logger: PostgresTesting.logger)
                }
                let error = await #expect(throws: ProjectorPostgresError.self) {
                    try await db.checkpoints.setPaused("p", true)
                }
                #expect(error?.code == .readOnlyDatabase)
                #expect(error?.description.contains("read-only") == true)
            }
        }
    }

    @Test func deadLettersAddListGetRemove() async throws {
        try await withMigratedTable(shape: .seed(partitions: 0)) { migrated, _ in
            let store = migrated.database.deadLetters
            let event = Event(
                id: "e1", type: "money-deposited", stream: "a1", seq: 4, service: "acct",
                cursor: EventCursor(transactionID: 100, position: 42), createdAt: "2024-01-01T00:00:00+00:00",
                data: ["amount": "x"])
            let first = try await store.add(projection: "p", event: event, error: "amount is not a number")
            let second = try await store.add(projection: "p", event: event, error: "again")
            try await store.add(projection: "q", event: event, error: "other projection")
            let listed = try await store.list(projection: "p")
            #expect(listed.map(\.id) == [first, second])
            #expect(listed[0].event == event)
            #expect(listed[0].error == "amount is not a number")
            #expect(try await store.get(id: second)?.error == "again")
            #expect(try await store.remove(projection: "p", ids: [first]) == 1)
            #expect(try await store.count(projection: "p") == 1)
            #expect(try await store.removeAll(projection: "p") == 1)
            #expect(try await store.count(projection: "q") == 1)
        }
    }
}
