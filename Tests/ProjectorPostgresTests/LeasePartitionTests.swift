import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorTesting
import Testing

/// A network partition between an instance and PostgreSQL leaves the lease's connection half-open: no error,
/// no answer. Queries on it must not hang the owner forever; past the deadline the lease is lost, loudly.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct LeasePartitionTests {
    @Test func aQueryOnAPartitionedLeaseConnectionEndsTheLeaseAtTheDeadline() async throws {
        try await withMigratedTable(shape: .seed(partitions: 0)) { migrated, _ in
            let database = migrated.database
            try await withProxy(to: database.url) { proxy, proxied in
                let lease = try #require(
                    try await ProjectionLease.acquire(
                        projection: "partitioned", owner: "instance-a",
                        connectionConfiguration: try proxied.connectionConfiguration(),
                        schema: database.layout.schema, queryDeadline: .seconds(2), logger: database.logger))
                try await database.checkpoints.commit(EventCursor(transactionID: 5, position: 1), lease: lease)
                #expect(await lease.isHeld())

                try proxy.freeze()
                let started = ContinuousClock.now
                let failure = await #expect(throws: (any Error).self) {
                    try await database.checkpoints.commit(EventCursor(transactionID: 6, position: 1), lease: lease)
                }
                let waited = ContinuousClock.now - started
                #expect(waited >= .seconds(2) && waited < .seconds(20), "gave up after \(waited)")
                #expect(failure != nil)
                #expect(await !lease.isHeld(), "a lease whose session cannot answer is not held")
                try proxy.thaw()

                // The outcome of the cut-off commit is unknown — its bytes may still reach the server after the
                // partition heals, like any request lost in a network — but it is one of the two positions the
                // owner asked for (the checkpoint follows confirmed writes either way). Another instance takes
                // over once the server drops the dead session.
                let stored = try await database.checkpoints.read("partitioned")?.cursor
                #expect(
                    stored == EventCursor(transactionID: 5, position: 1)
                        || stored == EventCursor(transactionID: 6, position: 1), "\(String(describing: stored))")
                var taken: ProjectionLease?
                let deadline = ContinuousClock.now + .seconds(20)
                while taken == nil, ContinuousClock.now < deadline {
                    taken = try await database.acquireLease(projection: "partitioned", owner: "instance-b")
                    if taken == nil { try await Task.sleep(for: .milliseconds(100)) }
                }
                let successor = try #require(taken, "no takeover after the partitioned lease ended")
                #expect(successor.epoch == lease.epoch + 1)
                await successor.release()
                await lease.release()
            }
        }
    }
}
