import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorTesting
import Synchronization
import Testing

/// The tailer reads on one connection of its own (prepared reads); when that connection dies, it opens another and
/// goes on from its cursor.
@Suite(.timeLimit(.minutes(2))) struct ReadConnectionTests {
    @Test func readConnectionKilledWhileEventsArriveLosesNothing() async throws {
        try await withMigratedTable(
            shape: .seed(partitions: 4),
            configure: { $0.events.pollInterval = .milliseconds(50) }
        ) { migrated, _ in
            let tailer = migrated.database.makeTailer(notifier: nil)
            let table = migrated.table
            let streams = (0..<4).map { _ in TestEvent.uuid() }
            let killed = KillCount()
            let log = try await tail(tailer, notifier: nil, expected: 200, timeout: .seconds(60)) {
                guard let url = table.configuration.postgres.url else { return }
                try await PostgresTesting.withConnection(url) { writer in
                    for round in 0..<50 {
                        if round == 20 || round == 35 {
                            killed.add(try await killReadConnections(on: writer))
                        }
                        let events = streams.map { TestEvent(stream: $0, seq: round + 1, type: "tick") }
                        try await table.insert(events, on: writer, logger: PostgresTesting.logger)
                    }
                }
            }
            #expect(killed.value >= 2)
            #expect(log.events.count == 200)
            let cursors = log.events.map(\.cursor)
            #expect(cursors == cursors.sorted() && Set(cursors).count == 200)
            for stream in streams {
                #expect(log.events.filter { $0.stream == stream }.map(\.seq) == Array(1...50))
            }
        }
    }

    @Test func aLiveReadOnAPartitionedConnectionIsAbandonedAtTheDeadline() async throws {
        try await withMigratedTable(shape: .seed(partitions: 0)) { migrated, connection in
            let database = migrated.database
            try await withProxy(to: database.url) { proxy, proxied in
                var reader = database.reader
                reader.streamingConnection = try proxied.connectionConfiguration(connectTimeout: .seconds(1))
                let tailer = EventTailer(
                    reader: reader, notifier: nil,
                    configuration: .init(
                        batchSize: 100, pollInterval: .milliseconds(50),
                        retryBackoff: Backoff(initial: .milliseconds(50), maximum: .milliseconds(200)),
                        readDeadline: .seconds(1)),
                    logger: database.logger)
                let stream = TestEvent.uuid()
                let log = DeliveryLog()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try await tailer.run(from: .start) { batch in log.record(batch) >= 20 ? .stop : .continue }
                    }
                    try await migrated.table.insert(
                        streamEvents(stream, seqs: 1...10), on: connection, logger: PostgresTesting.logger)
                    try await waitUntil { log.events.count == 10 }

                    // Partitioned: the next live read gets no answer. Past the deadline the tailer closes that
                    // connection and tries new ones (accepted by the proxy, then frozen too).
                    let accepted = try proxy.connectionsAccepted()
                    try proxy.freeze()
                    try await migrated.table.insert(
                        streamEvents(stream, seqs: 11...20), on: connection, logger: PostgresTesting.logger)
                    try await waitUntil { try proxy.connectionsAccepted() > accepted }
                    #expect(log.events.count == 10)
                    try proxy.thaw()
                    try await waitUntil { log.events.count == 20 }
                    try await group.waitForAll()
                }
                #expect(log.events.map(\.seq) == Array(1...20))
            }
        }
    }

    /// Polls `condition` every 20 ms for up to 20 s.
    private func waitUntil(_ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while try !condition() {
            try #require(ContinuousClock.now < deadline, "condition not met within 20 s")
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Terminates the backends whose last statement was a batch read (waiting up to 10 s until there is one).
    private func killReadConnections(on connection: PostgresConnection) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(10)
        let sql = """
            SELECT count(pg_terminate_backend(pid))::int8 FROM pg_stat_activity
            WHERE pid <> pg_backend_pid() AND datname = current_database()
              AND query LIKE '%pg_snapshot_xmin(pg_current_snapshot())%'
            """
        while true {
            let killed = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: PostgresTesting.logger)
            for try await count in killed.decode(Int64.self) where count > 0 {
                return Int(count)
            }
            guard ContinuousClock.now < deadline else { return 0 }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

private final class KillCount: Sendable {
    private let count = Mutex(0)
    func add(_ killed: Int) { count.withLock { $0 += killed } }
    var value: Int { count.withLock { $0 } }
}
