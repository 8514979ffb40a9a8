import Logging
import ProjectorCore
import ProjectorPostgres
import ProjectorTesting
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The event source: tail throughput with a discarding consumer, and notify-to-delivery latency.
///
/// Needs `DATABASE_URL`. `SOURCE_BENCH_EVENTS` overrides the table size (default 1,000,000),
/// `SOURCE_BENCH_REPEAT` reads the table that many times per batch size (default 1; the best rate is reported),
/// `SOURCE_BENCH_LATENCY=0` skips the latency run, `SOURCE_BENCH_PARTS=read` runs only the two rebuild reads below,
/// `SOURCE_BENCH_PACKED=1` packs events in chunks per row (`EventReader.packsEvents`, off by default as in projector)
/// in the tail and read runs.
///
/// Besides events/s, `tail_cpu_us_per_event` is this process's CPU time (all threads: socket, decoding, consumer)
/// per event delivered in the best run: a figure that other load on the machine barely changes.
/// `source_filtered_read_events_per_s` is the read of a rebuild (a service and type filter, batches of 5,000), and
/// `source_pruned_read_events_per_s` the same read of only two data fields (`data -> field` per field), each with its
/// CPU time per event (`…_cpu_us_per_event`, the read's own cost: the consumer discards the batches; the least of the
/// repeats, each of which is also printed to stderr).
enum SourceBench {
    static func run() async throws {
        guard let url = try TestServers.databaseURL() else {
            printError("source: DATABASE_URL not set, skipped")
            return
        }
        let total = benchSetting("SOURCE_BENCH_EVENTS", default: 1_000_000)
        let repeats = max(1, benchSetting("SOURCE_BENCH_REPEAT", default: 1))
        try await PostgresTesting.withTemporaryEventTable(url) { table, connection in
            let logger = PostgresTesting.logger
            try await ProjectorDatabase.withDatabase(configuration: table.configuration, logger: logger) { database in
                try await database.migrator.migrate(client: database.client)
                var reader = database.reader
                reader.packsEvents = benchSetting("SOURCE_BENCH_PACKED", default: 0) != 0
                let loadStart = ContinuousClock.now
                try await table.insertGenerated(count: total, payloadBytes: 500, on: connection, logger: logger)
                let loadSeconds = seconds(ContinuousClock.now - loadStart)
                print("BENCH source_load_events_per_s \(Int(Double(total) / loadSeconds)) events/s")
                let readsOnly = TestServers.environment("SOURCE_BENCH_PARTS") == "read"
                for batchSize in readsOnly ? [] : [1_000, 5_000] {
                    var best = (rate: 0.0, cpuPerEvent: 0.0)
                    for _ in 0..<repeats {
                        let cpuBefore = processCPUSeconds()
                        let rate = try await tailThroughput(reader, total: total, batchSize: batchSize)
                        let cpuPerEvent = (processCPUSeconds() - cpuBefore) / Double(total)
                        if rate > best.rate { best = (rate, cpuPerEvent) }
                    }
                    let suffix = batchSize == 1_000 ? "" : "_batch_\(batchSize)"
                    print("BENCH tail_events_per_s\(suffix) \(Int(best.rate)) events/s")
                    print("BENCH tail_cpu_us_per_event\(suffix) \(format(best.cpuPerEvent * 1e6)) us")
                }
                let filter = EventFilter(services: ["bench"], types: ["bench-event", "other-event"])
                var pruned = filter
                pruned.dataFields = ["amount", "owner"]
                for (name, filter) in [("filtered", filter), ("pruned", pruned)] {
                    var best = (rate: 0.0, cpuPerEvent: 0.0)
                    for _ in 0..<repeats {
                        let cpuBefore = processCPUSeconds()
                        let rate = try await filteredReadThroughput(reader, total: total, filter: filter)
                        let cpuPerEvent = (processCPUSeconds() - cpuBefore) / Double(total)
                        printError("source: \(name) read \(Int(rate)) events/s, \(format(cpuPerEvent * 1e6)) us CPU")
                        best = (max(rate, best.rate), best.rate == 0 ? cpuPerEvent : min(cpuPerEvent, best.cpuPerEvent))
                    }
                    print("BENCH source_\(name)_read_events_per_s \(Int(best.rate)) events/s")
                    print("BENCH source_\(name)_read_cpu_us_per_event \(format(best.cpuPerEvent * 1e6)) us")
                }
            }
        }
        if TestServers.environment("SOURCE_BENCH_PARTS") == "read" { return }
        guard benchSetting("SOURCE_BENCH_LATENCY", default: 1) != 0 else { return }
        try await PostgresTesting.withTemporaryEventTable(url) { table, connection in
            var configuration = table.configuration
            configuration.events.pollInterval = .seconds(30)  // deliveries must come from NOTIFY
            try await ProjectorDatabase.withDatabase(configuration: configuration, logger: PostgresTesting.logger) {
                database in
                try await database.migrator.migrate(client: database.client)
                let latencies = try await notifyLatencies(database) { events in
                    try await table.insert(events, on: connection, logger: PostgresTesting.logger)
                }
                print("BENCH notify_latency_p50_ms \(format(percentile(latencies, 0.50))) ms")
                print("BENCH notify_latency_p99_ms \(format(percentile(latencies, 0.99))) ms")
            }
        }
    }

    /// Events per second the tailer delivers from the start of the table to a consumer that discards them.
    static func tailThroughput(_ reader: EventReader, total: Int, batchSize: Int) async throws -> Double {
        let tailer = EventTailer(
            reader: reader, notifier: nil,
            configuration: .init(batchSize: batchSize, pollInterval: .milliseconds(50)), logger: PostgresTesting.logger)
        var seen = 0
        let start = ContinuousClock.now
        try await tailer.run(from: .start) { batch in
            seen += batch.events.count
            return seen >= total ? .stop : .continue
        }
        return Double(seen) / seconds(ContinuousClock.now - start)
    }

    /// Events per second of a rebuild's read (`ProjectionLog.scan`): read-ahead in batches of 5,000 with `filter`
    /// (a service and type filter that every event matches), into a consumer that discards them.
    static func filteredReadThroughput(_ reader: EventReader, total: Int, filter: EventFilter) async throws -> Double {
        var seen = 0
        let start = ContinuousClock.now
        try await reader.readAhead(after: .start, batchSize: 5_000, filter: filter) { batch in
            seen += batch.events.count
            return seen < total
        }
        return Double(seen) / seconds(ContinuousClock.now - start)
    }

    /// Milliseconds from starting each single-event INSERT (one transaction each, ~500/s for 10 s)
    /// to the tailer handing the event over.
    static func notifyLatencies(
        _ database: ProjectorDatabase,
        insert: ([TestEvent]) async throws -> Void
    ) async throws -> [Double] {
        let count = 5_000
        let log = LatencyLog(count: count)
        let notifier = try database.makeNotifier()
        let tailer = database.makeTailer(notifier: notifier)
        let stream = TestEvent.uuid()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await notifier.run() }
            group.addTask {
                var received = 0
                try await tailer.run(from: .start) { batch in
                    let now = ContinuousClock.now
                    for event in batch.events {
                        if let sent = log.sentAt.withLock({ $0[Int(event.seq)] }) {
                            let milliseconds = seconds(now - sent) * 1000
                            log.latencies.withLock { $0.append(milliseconds) }
                        }
                    }
                    received += batch.events.count
                    return received >= count ? .stop : .continue
                }
            }
            while notifier.statistics.connections == 0 { try await Task.sleep(for: .milliseconds(5)) }
            let start = ContinuousClock.now
            for seq in 1...count {
                try await ContinuousClock().sleep(until: start + .milliseconds(2 * seq))
                log.sentAt.withLock { $0[seq] = ContinuousClock.now }
                try await insert([TestEvent(stream: stream, seq: seq, type: "tick")])
            }
            let deadline = ContinuousClock.now + .seconds(30)
            while log.latencies.withLock({ $0.count }) < count, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            group.cancelAll()
        }
        return log.latencies.withLock { $0 }
    }

    /// Send times and measured latencies, shared between the writer and the tailer task.
    final class LatencyLog: Sendable {
        let sentAt: Mutex<[ContinuousClock.Instant?]>
        let latencies = Mutex([Double]())

        init(count: Int) { sentAt = Mutex([ContinuousClock.Instant?](repeating: nil, count: count + 1)) }
    }

    /// User plus system CPU time of this process so far (all threads).
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        #if canImport(Darwin)
            guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
        #else
            guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        #endif
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    static func seconds(_ duration: Duration) -> Double {
        let (whole, attoseconds) = duration.components
        return Double(whole) + Double(attoseconds) / 1e18
    }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.down)))]
    }

    static func format(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
