import Logging
import PostgresNIO
import ProjectorCore
import ProjectorDynamoDB
import ProjectorOpenSearch
import ProjectorPostgres
import ProjectorRuntime
import ProjectorTesting
import Synchronization
import Testing

/// Blue/green rebuilds against real servers.
@Suite(.serialized, .timeLimit(.minutes(8)))
struct OperationsRebuildTests {
    struct Interrupted: Error {}

    @Test func rebuildWhileWritersAppendAndTheServiceRunsSwapsWithoutReadersSeeingAGap() async throws {
        try await RuntimeHarness.with(batchSize: 50) { harness, connection in
            let v1 = try harness.accounts(version: 1)
            let v2 = try harness.accounts(version: 2)
            try await harness.appendAccounts(200, deposits: 5, on: connection)
            let service = harness.start([v1], owner: "live")
            defer { service.cancel() }
            try await harness.waitUntilCaughtUp(v1.name)
            let alias = "acc_\(harness.suffix)"

            try await harness.withSession { session in
                let admin = OpenSearchAdmin(client: try #require(session.stores.openSearch))
                let oldIndices = try await admin.aliasTargets(alias)
                #expect(oldIndices.count == 1)
                try await admin.refresh(alias)
                let initialCount = try await admin.count(alias)
                #expect(initialCount == 200)

                // Readers poll the alias throughout; writers keep adding accounts.
                let stop = Mutex(false)
                let reader = Task {
                    var counts: [Int] = []
                    while !stop.withLock({ $0 }) {
                        counts.append((try? await admin.count(alias)) ?? -1)
                        try? await Task.sleep(for: .milliseconds(5))
                    }
                    return counts
                }
                let writer = Task {
                    try await PostgresTesting.withConnection(harness.url) { connection in
                        for _ in 0..<20 {
                            try await harness.appendAccounts(3, deposits: 2, on: connection)
                            try await Task.sleep(for: .milliseconds(30))
                        }
                    }
                }
                var options = ProjectionRebuild.Options(owner: "ops")
                options.batchSize = 100
                options.keepOld = 0
                options.pauseTimeout = .seconds(30)
                let phases = Mutex<Set<RebuildProgress.Phase>>([])
                let result = try await ProjectionRebuild(
                    projection: v2, database: session.database, stores: session.stores, logger: RuntimeHarness.logger
                ).run(options) { progress in _ = phases.withLock { $0.insert(progress.phase) } }
                try await writer.value
                stop.withLock { $0 = true }
                let counts = await reader.value

                #expect(result.swapped)
                #expect(!result.resumed)
                #expect(phases.withLock { $0 }.contains(.replay))
                #expect(try await admin.aliasTargets(alias) == [result.target])
                #expect(IndexName(parsing: result.target)?.version == 2)
                #expect(result.deleted == oldIndices, "--keep-old 0 deletes the old index")
                #expect(try await !admin.exists(oldIndices[0]))
                // Never empty, never fewer documents than before (no half-built index behind the alias).
                #expect(!counts.isEmpty)
                #expect(counts.allSatisfy { $0 >= initialCount }, "counts seen: \(Set(counts).sorted())")
                let row = try await session.database.checkpoints.read(v2.name)
                #expect(row?.projectionVersion == 2)
                #expect(try await session.database.checkpoints.read(ProjectionRebuild.buildRowName(v2.name)) == nil)
            }
            // The v1 service refuses to write into the v2 view; the v2 service takes over and catches up.
            service.cancel()
            _ = await service.result
            try await harness.runOnce([v2])
            let (report, drifts) = try await harness.verify(v2)
            #expect(report.isClean, "\(drifts.prefix(3))")
            #expect(report.checked == 260)
            try await harness.withSession { session in
                let store = try await session.liveTarget(v2).store()
                let any = try await store.fetch(try await harness.eventsByStream().keys.map { $0 })
                #expect(any.values.allSatisfy { $0.body["deposits"] != nil }, "documents are version 2")
            }
        }
    }

    @Test func anInterruptedRebuildContinuesFromItsCheckpoint() async throws {
        try await RuntimeHarness.with { harness, connection in
            let v1 = try harness.accounts(version: 1)
            let v2 = try harness.accounts(version: 2)
            try await harness.appendAccounts(100, deposits: 4, on: connection)
            try await harness.runOnce([v1])
            try await harness.withSession { session in
                var options = ProjectionRebuild.Options(owner: "ops")
                options.batchSize = 50
                // A write and a checkpoint after every batch (write-behind holds them for up to 10 s by default).
                options.checkpointInterval = .zero
                let rebuild = ProjectionRebuild(
                    projection: v2, database: session.database, stores: session.stores, logger: RuntimeHarness.logger)
                await #expect(throws: Interrupted.self) {
                    _ = try await rebuild.run(options) { progress in
                        if progress.done >= 150 { throw Interrupted() }
                    }
                }
                let build = try #require(
                    try await session.database.checkpoints.read(ProjectionRebuild.buildRowName(v2.name)))
                #expect(build.cursor > .start)
                let recordedTarget = build.metadata["target"]?.stringValue

                let result = try await rebuild.run(options)
                #expect(result.resumed)
                #expect(result.target == recordedTarget)
                #expect(result.events < 500, "only the rest is replayed (\(result.events))")
                #expect(result.deleted.isEmpty, "--keep-old 1 keeps the previous index")
            }
            let (report, _) = try await harness.verify(v2)
            #expect(report.isClean)
            #expect(report.checked == 100)
        }
    }

    @Test func rebuildIntoANewDynamoDBTableIsWhereRunWritesNext() async throws {
        try await RuntimeHarness.with { harness, connection in
            let v1 = try harness.accounts(version: 1, dynamoDB: true)
            let v2 = try harness.accounts(version: 2, dynamoDB: true)
            let streams = try await harness.appendAccounts(20, deposits: 3, on: connection)
            try await harness.runOnce([v1])
            let result = try await harness.withSession { session in
                var options = ProjectionRebuild.Options(owner: "ops")
                options.keepOld = 0
                return try await ProjectionRebuild(
                    projection: v2, database: session.database, stores: session.stores, logger: RuntimeHarness.logger
                ).run(options)
            }
            #expect(result.swapped)
            #expect(result.target.hasPrefix("acc_\(harness.suffix)__v2_"))
            #expect(result.deleted == ["acc_\(harness.suffix)"])
            let row = try await harness.database.checkpoints.read(v2.name)
            #expect(row?.metadata["table"]?.stringValue == result.target)

            // `run` continues in the new table.
            try await append(
                [TestEvent(stream: streams[0], seq: 5, type: "deposited", data: ["amount": 50])],
                table: harness.table, on: connection)
            try await harness.runOnce([v2])
            try await harness.withSession { session in
                let target = try await session.liveTarget(v2)
                #expect(target.name == result.target)
                let document = try await target.store().fetch([streams[0]])[streams[0]]
                #expect(
                    visible(document?.body) == ["id": .string(streams[0]), "balance": 56, "deposits": 4, "owner": "o0"])
            }
            let (report, _) = try await harness.verify(v2)
            #expect(report.isClean && report.checked == 20)
            try await harness.withSession { session in
                try await session.stores.dynamoDB.deleteTable(result.target, waitUntilGone: false)
            }
        }
    }

    @Test func inPlaceDynamoDBRebuildOverwritesAndDropsWhatTheNewVersionNoLongerProduces() async throws {
        try await RuntimeHarness.with { harness, connection in
            let v1 = try harness.accounts(version: 1, dynamoDB: true)
            let streams = try await harness.appendAccounts(10, deposits: 2, on: connection)
            try await harness.runOnce([v1])
            // Version 2 only keeps accounts opened by o0…o4: the other five documents must go.
            let v2 = try harness.projection(
                """
                projection: acc_\(harness.suffix)
                version: 2
                target:
                  dynamodb:
                    table: acc_\(harness.suffix)
                initial: '{"id": $key, "balance": 0, "deposits": 0}'
                on:
                  opened:
                    when: '$number($substring($event.data.owner, 1)) < 5'
                    set: { owner: $event.data.owner }
                  deposited:
                    when: '$exists($doc.owner)'
                    set: { balance: '$doc.balance + $event.data.amount', deposits: '$doc.deposits + 1' }
                """)
            let result = try await harness.withSession { session in
                var options = ProjectionRebuild.Options(owner: "ops")
                options.inPlace = true
                return try await ProjectionRebuild(
                    projection: v2, database: session.database, stores: session.stores, logger: RuntimeHarness.logger
                ).run(options)
            }
            #expect(result.swapped && result.target == "acc_\(harness.suffix)")
            try await harness.withSession { session in
                let documents = try await session.liveTarget(v2).store().fetch(streams)
                #expect(documents.count == 5)
                #expect(
                    visible(documents[streams[0]]?.body) == [
                        "id": .string(streams[0]), "balance": 3, "deposits": 2, "owner": "o0",
                    ])
            }
            #expect(try await harness.database.checkpoints.read(v2.name)?.projectionVersion == 2)
            let (report, _) = try await harness.verify(v2)
            #expect(report.isClean)
        }
    }

    @Test func runRebuildsInTheBackgroundOnAVersionChangeUnderRebuildAuto() async throws {
        try await RuntimeHarness.with { harness, connection in
            let v1 = try harness.accounts(version: 1)
            let v2 = try harness.accounts(version: 2)
            try await harness.appendAccounts(40, deposits: 3, on: connection)
            try await harness.runOnce([v1])
            try await harness.appendAccounts(5, deposits: 1, on: connection)

            var configuration = harness.configuration
            configuration.runtime = ["rebuild": "auto"]
            try await ProjectorService.run(
                configuration: configuration, projections: [v2], options: harness.options(owner: "auto", once: true),
                environment: RuntimeHarness.environment, logger: RuntimeHarness.logger)

            let row = try await harness.database.checkpoints.read(v2.name)
            #expect(row?.projectionVersion == 2)
            try await harness.withSession { session in
                let admin = OpenSearchAdmin(client: try #require(session.stores.openSearch))
                let targets = try await admin.aliasTargets("acc_\(harness.suffix)")
                #expect(targets.count == 1 && IndexName(parsing: targets[0])?.version == 2)
            }
            let (report, _) = try await harness.verify(v2)
            #expect(report.isClean)
            #expect(report.checked == 45)
        }
    }
}
