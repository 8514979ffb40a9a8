import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorRuntime
import ProjectorTesting
import Testing

/// TESTPLAN 21: an instance that lost its lease but still runs can move the checkpoint neither
/// forwards nor backwards, and its conditional writes lose against the new owner's.
extension FaultTests {
    /// The two view stores, as test arguments.
    enum Target: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case openSearch, dynamoDB
        var testDescription: String { rawValue }
    }

    @Test func aStaleLeaseCannotMoveTheCheckpoint() async throws {
        try await RuntimeHarness.with { harness, connection in
            try await ProcessTests.appendAccounts(count: 3, harness: harness, connection: connection)
            let cursors = try await harness.database.reader.readBatch(after: .start, limit: 100).events.map(\.cursor)
            try #require(cursors.count == 12)
            let (early, middle, late) = (cursors[2], cursors[6], cursors[10])
            let checkpoints = harness.database.checkpoints
            let name = "stale_\(harness.suffix)"
            _ = try await checkpoints.register(name, version: 1)

            let stale = try #require(try await harness.database.acquireLease(projection: name, owner: "old"))
            try await checkpoints.commit(early, lease: stale)
            #expect(try await harness.database.acquireLease(projection: name, owner: "new") == nil)

            // The old owner's lock session dies (network, pg_terminate_backend); a new owner takes over.
            try await Self.terminateLeaseSession(name, on: connection)
            var taken: ProjectionLease?
            _ = try await Self.eventually(within: .seconds(10)) {
                taken = try await harness.database.acquireLease(projection: name, owner: "new")
                return taken != nil
            }
            let current = try #require(taken)
            #expect(current.epoch > stale.epoch)
            try await checkpoints.commit(middle, lease: current)

            await #expect(throws: (any Error).self, "stale lease moved the checkpoint forwards") {
                try await checkpoints.commit(late, lease: stale)
            }
            await #expect(throws: (any Error).self, "stale lease moved the checkpoint backwards") {
                try await checkpoints.commit(early, lease: stale)
            }
            #expect(await !stale.isHeld())
            #expect(try await checkpoints.read(name)?.cursor == middle)
            // Not even the owner moves it backwards.
            let backwards = await #expect(throws: ProjectorPostgresError.self) {
                try await checkpoints.commit(early, lease: current)
            }
            #expect(backwards?.code == .checkpointBackwards)

            // A stale lease whose session is still alive: the epoch moved on (as `reset` does) without it.
            try await checkpoints.reset(name, to: middle)
            let staleEpoch = await #expect(throws: ProjectorPostgresError.self) {
                try await checkpoints.commit(late, lease: current)
            }
            #expect(staleEpoch?.code == .staleLease)
            #expect(await !current.isHeld())
            #expect(try await checkpoints.read(name)?.cursor == middle)
            await current.release()
            await stale.release()
        }
    }

    @Test(arguments: Target.allCases)
    func aStaleInstanceCannotOverwriteNewerDocuments(_ target: Target) async throws {
        try await RuntimeHarness.with { harness, _ in
            let (accounts, totals) = try ExactlyOnceTests.definitions(harness)
            let projection = target == .openSearch ? accounts : totals
            try await ViewStores.withViewStores(
                configuration: harness.configuration, environment: RuntimeHarness.environment,
                logger: RuntimeHarness.logger
            ) { stores in
                let store = try await stores.store(for: projection)
                func body(_ owner: String, _ version: Int) -> JSONValue {
                    ["id": "doc", "owner": .string(owner), "_projector": ["v": .int(version)]]
                }
                guard
                    case .applied(let first?) = try await store.apply([
                        .upsert(key: "doc", body: body("first", 1), expected: nil)
                    ])[0]
                else {
                    Issue.record("the first write was not applied")
                    return
                }
                // Both instances read revision `first`; the new owner writes first.
                let newer = try await store.apply([.upsert(key: "doc", body: body("new", 2), expected: first)])
                guard case .applied(let second?) = newer[0] else {
                    Issue.record("the new owner's write was not applied: \(newer)")
                    return
                }
                #expect(second != first)
                let staleWrites: [DocumentWrite] = [
                    .upsert(key: "doc", body: body("stale", 2), expected: first),
                    .delete(key: "doc", expected: first),
                    .upsert(key: "doc", body: body("stale", 1), expected: nil),
                ]
                for write in staleWrites {
                    #expect(try await store.apply([write]) == [.conflict], "\(write)")
                }
                let stored = try await store.fetch(["doc"])["doc"]
                #expect(stored?.body["owner"] == "new")
                #expect(stored?.revision == second)
            }
        }
    }
}
