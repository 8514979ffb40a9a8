import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorTesting
import Testing

@Suite struct EventTailerTests {
    @Test func listenConnectionKilledWhileEventsArriveLosesNothing() async throws {
        try await withMigratedTable(
            shape: .seed(partitions: 4),
            configure: { $0.events.pollInterval = .seconds(30) }
        ) { migrated, connection in
            let notifier = try migrated.database.makeNotifier()
            let tailer = migrated.database.makeTailer(notifier: notifier)
            let table = migrated.table
            let streams = (0..<4).map { _ in TestEvent.uuid() }
            let log = try await tail(tailer, notifier: notifier, expected: 200, timeout: .seconds(30)) {
                guard let url = table.configuration.postgres.url else { return }
                try await PostgresTesting.withConnection(url) { writer in
                    for round in 0..<50 {
                        if round == 20 || round == 35 {
                            // Kill the LISTEN session (polling is 30 s away: only reconnect + catch-up can deliver).
                            while notifier.statistics.backendPID == nil { try await Task.sleep(for: .milliseconds(5)) }
                            let pid = notifier.statistics.backendPID ?? 0
                            try await execute("SELECT pg_terminate_backend(\(pid))", on: writer)
                        }
                        let events = streams.map { TestEvent(stream: $0, seq: round + 1, type: "tick") }
                        try await table.insert(events, on: writer, logger: PostgresTesting.logger)
                    }
                }
            }
            #expect(log.events.count == 200)
            #expect(Set(log.events.map(\.cursor)).count == 200)
            #expect(notifier.statistics.connections >= 3)
            _ = connection
        }
    }

    @Test func notifyStormCoalescesReads() async throws {
        try await withMigratedTable(
            shape: .seed(partitions: 32),
            configure: { $0.events.pollInterval = .seconds(30) }
        ) { migrated, _ in
            let notifier = try migrated.database.makeNotifier()
            let tailer = migrated.database.makeTailer(notifier: notifier)
            let table = migrated.table
            let total = 10_000
            let writers = 4
            let log = try await tail(tailer, notifier: notifier, expected: total, timeout: .seconds(120)) {
                guard let url = table.configuration.postgres.url else { return }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<writers {
                        group.addTask {
                            try await PostgresTesting.withConnection(url) { writer in
                                let stream = TestEvent.uuid()
                                for seq in 1...(total / writers) {
                                    try await table.insert(
                                        [TestEvent(stream: stream, seq: seq, type: "storm")], on: writer,
                                        logger: PostgresTesting.logger)
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            #expect(log.events.count == total)
            let notifications = notifier.statistics.notifications
            // One transaction per row: ~10,000 notifications; reads coalesce them.
            #expect(notifications > total / 2)
            #expect(log.reads * 3 < notifications, "reads \(log.reads) vs notifications \(notifications)")
        }
    }

    @Test func concurrentWritersWithRandomCommitDelaysDeliverExactlyTheCommittedSet() async throws {
        try await withMigratedTable(
            shape: .seed(partitions: 32),
            configure: {
                $0.events.pollInterval = .milliseconds(200)
                $0.events.batchSize = 500
            }
        ) { migrated, _ in
            let notifier = try migrated.database.makeNotifier()
            let tailer = migrated.database.makeTailer(notifier: notifier)
            let table = migrated.table
            let writers = 8
            let perWriter = 2_000
            let log = try await tail(tailer, notifier: notifier, expected: writers * perWriter, timeout: .seconds(120))
            {
                guard let url = table.configuration.postgres.url else { return }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<writers {
                        group.addTask {
                            try await PostgresTesting.withConnection(url) { writer in
                                let streams = (0..<5).map { _ in TestEvent.uuid() }
                                var seqs = [Int](repeating: 0, count: streams.count)
                                var written = 0
                                while written < perWriter {
                                    let size = min(Int.random(in: 1...8), perWriter - written)
                                    var events: [TestEvent] = []
                                    for _ in 0..<size {
                                        let index = Int.random(in: 0..<streams.count)
                                        seqs[index] += 1
                                        events.append(TestEvent(stream: streams[index], seq: seqs[index], type: "w"))
                                    }
                                    try await execute("BEGIN", on: writer)
                                    try await table.insert(events, on: writer, logger: PostgresTesting.logger)
                                    try await Task.sleep(for: .microseconds(Int.random(in: 0...3_000)))
                                    try await execute("COMMIT", on: writer)
                                    written += size
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let delivered = log.events
            #expect(delivered.count == writers * perWriter)
            let keys = delivered.map { "\($0.stream)/\($0.seq)" }
            #expect(Set(keys).count == delivered.count, "duplicates delivered")
            #expect(delivered.map(\.cursor) == delivered.map(\.cursor).sorted())
            // Each writer commits a stream's events in seq order, so each stream arrives in seq order.
            var lastSeq: [String: Int64] = [:]
            var ordered = true
            for event in delivered {
                if let last = lastSeq[event.stream], last + 1 != event.seq { ordered = false }
                lastSeq[event.stream] = event.seq
            }
            #expect(ordered)
            // The delivered set equals the committed set.
            let committed = try await migrated.database.reader.countEvents(after: .start)
            #expect(committed == Int64(delivered.count))
        }
    }

    @Test func stopReturnsAndEmptyBatchesReportTheWatermark() async throws {
        try await withMigratedTable(shape: .seed(partitions: 0)) { migrated, _ in
            let tailer = migrated.database.makeTailer(notifier: nil)
            var reads = 0
            var watermark: UInt64 = 0
            try await tailer.run(from: .start) { batch in
                reads += 1
                watermark = batch.watermark
                return .stop
            }
            #expect(reads == 1)
            #expect(watermark > 0)
        }
    }
}
