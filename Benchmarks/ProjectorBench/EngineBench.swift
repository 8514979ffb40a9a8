import Foundation
import ProjectorCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Fold engine throughput: 1,000,000 synthetic account events (open, then deposits and withdrawals with a `when`
/// guard) into 100,000 stream-keyed documents, in batches of 1,000 as the service reads them, with the documents
/// kept in memory between batches (fetch hands back what the previous batch wrote). No I/O.
///
/// Figures: `engine_events_per_s` (documents decoded from stored bodies every batch; events interleaved so that
/// every event of a batch hits another document — no coalescing, the worst case), `engine_cached_events_per_s`
/// (decoded states kept between batches, as with a warm cache), `engine_clustered_events_per_s` (events ordered
/// account by account, so a batch of 1,000 makes 100 writes).
///
/// Each figure counts the time spent in ``BatchFold/run(_:restrictedTo:fetch:readStream:)`` (wall clock;
/// `*_per_cpu_s`: process CPU time, which stays comparable on a machine shared with other work — the fold runs on
/// one thread). The bench's stand-in for the view store — looking up the documents a batch asks for before the
/// call, keeping what it wrote after it — is not the engine and is left out; `*_loop_events_per_s` gives the rate
/// with it included.
///
/// `ENGINE_BENCH_EVENTS` / `ENGINE_BENCH_DOCS` change the sizes; `ENGINE_BENCH_PHASES` (comma-separated
/// `stored,cached,clustered`, default all) picks the figures to measure, e.g. for a profile of one of them;
/// `ENGINE_BENCH_MEDIAN=1` adds each figure's median batch (see ``measure(_:_:documents:foldBatch:)``).
enum EngineBench {
    static let definition = """
        projection: bench_balance
        version: 1
        target: { opensearch: { index: bench_balance } }
        initial: '{"id": $key, "balance": 0, "count": 0}'
        on:
          opened: { set: { owner: $event.data.owner } }
          deposited:
            when: $event.data.amount > 0
            set: { balance: $doc.balance + $event.data.amount, count: $doc.count + 1 }
          withdrawn:
            set: { balance: $doc.balance - $event.data.amount, count: $doc.count + 1 }
        """

    static func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let total = benchSetting("ENGINE_BENCH_EVENTS", default: 1_000_000)
        let documents = benchSetting("ENGINE_BENCH_DOCS", default: 100_000)
        let projection = try ProjectionLoader.parse(definition, file: "bench_balance.yaml")
        let events = makeEvents(total: total, documents: documents)
        let fold = BatchFold(projection: projection)
        let phases = Set((environment["ENGINE_BENCH_PHASES"] ?? "stored,cached,clustered").split(separator: ","))
        var revision: Int64 = 0
        if phases.contains("stored") {
            try await runStored(events, documents: documents, fold: fold, revision: &revision)
        }
        if phases.contains("cached") {
            try await runCached(events, documents: documents, fold: fold, revision: &revision)
        }
        if phases.contains("clustered") {
            try await runClustered(events, documents: documents, fold: fold, revision: &revision)
        }
    }

    /// Stored bodies: every batch decodes the documents it touches and encodes what it writes.
    static func runStored(_ events: [Event], documents: Int, fold: BatchFold, revision: inout Int64) async throws {
        var stored: [String: StoredDocument] = Dictionary(minimumCapacity: documents)
        let storedRate = try await measure("engine", events, documents: documents) { batch, timing in
            var found: [String: StoredDocument]? = Dictionary(minimumCapacity: batch.count)
            for event in batch { found?[event.stream] = stored[event.stream] }
            let result = try await timing.engine {
                try await fold.run(batch, fetch: { _ in found.take() ?? [:] }, readStream: { _, _ in [] })
            }
            for write in result.writes {
                revision += 1
                switch write {
                case .upsert(let key, let body, _):
                    stored[key] = StoredDocument(key: key, body: body, revision: StoreRevision(revision))
                case .delete(let key, _):
                    stored[key] = nil
                }
            }
            return result.writes.count
        }
        print("BENCH engine_events_per_s \(storedRate.eventsPerSecond) events/s")
        print("BENCH engine_events_per_cpu_s \(storedRate.eventsPerCPUSecond) events/s")
        print("BENCH engine_writes_per_batch \(storedRate.writesPerBatch) writes")
    }

    /// Decoded states kept between batches (a warm document cache): no decoding, encoding still per write.
    static func runCached(_ events: [Event], documents: Int, fold: BatchFold, revision: inout Int64) async throws {
        let rate = try await measureDecoded(
            "engine_cached", events, documents: documents, fold: fold, revision: &revision)
        print("BENCH engine_cached_events_per_s \(rate.eventsPerSecond) events/s")
        print("BENCH engine_cached_events_per_cpu_s \(rate.eventsPerCPUSecond) events/s")
    }

    /// The same events ordered account by account: a batch touches 100 documents, so writes coalesce.
    static func runClustered(_ events: [Event], documents: Int, fold: BatchFold, revision: inout Int64) async throws {
        let clustered = events.sorted { ($0.stream, $0.seq) < ($1.stream, $1.seq) }
        let rate = try await measureDecoded(
            "engine_clustered", clustered, documents: documents, fold: fold, revision: &revision)
        print("BENCH engine_clustered_events_per_s \(rate.eventsPerSecond) events/s")
        print("BENCH engine_clustered_events_per_cpu_s \(rate.eventsPerCPUSecond) events/s")
        print("BENCH engine_clustered_writes_per_batch \(rate.writesPerBatch) writes")
    }

    /// ``measure(_:_:documents:foldBatch:)`` with decoded states kept between batches in a dictionary standing in
    /// for the service's document cache: a state is taken out while folded, as that cache does (no copy-on-write of
    /// a hit), and put back, committed when written.
    static func measureDecoded(
        _ name: String, _ events: [Event], documents: Int, fold: BatchFold, revision: inout Int64
    ) async throws -> (eventsPerSecond: Int, eventsPerCPUSecond: Int, writesPerBatch: Int) {
        var cache: [String: DocumentState] = Dictionary(minimumCapacity: documents)
        return try await measure(name, events, documents: documents) { batch, timing in
            var found: [String: DocumentState]? = Dictionary(minimumCapacity: batch.count)
            for event in batch where found?[event.stream] == nil {
                found?[event.stream] = cache.removeValue(forKey: event.stream)
            }
            let result = try await timing.engine {
                try await fold.run(batch, load: { _ in found.take() ?? [:] }, readStream: { _, _ in [] })
            }
            // `documents` builds a dictionary from the result's states: once per batch, not per write.
            let folded = result.documents
            for write in result.writes {
                revision += 1
                cache[write.key] = folded[write.key]?.committed(revision: StoreRevision(revision))
            }
            for (key, state) in folded where cache[key] == nil { cache[key] = state }
            return result.writes.count
        }
    }

    /// Times the engine call inside one batch of the bench loop.
    final class EngineTiming {
        private(set) var seconds = 0.0
        private(set) var cpuSeconds = 0.0
        private let clock = ContinuousClock()

        /// Runs `body` (the engine call), adding its wall and CPU time.
        func engine<Result>(_ body: () async throws -> Result) async rethrows -> Result {
            let started = clock.now
            let startedCPU = EngineBench.processCPUSeconds()
            defer {
                cpuSeconds += EngineBench.processCPUSeconds() - startedCPU
                seconds += (clock.now - started) / .seconds(1)
            }
            return try await body()
        }
    }

    /// Runs `foldBatch` over `events` in batches of 1,000; returns events/s of the engine calls (wall and CPU
    /// time, see ``EngineTiming``) and writes per batch, and prints `<name>_loop_events_per_s` (the whole loop,
    /// the bench's stand-in store included). With `ENGINE_BENCH_MEDIAN=1` it also prints
    /// `<name>_median_batch_events_per_s` (events/s of the median batch's engine time): batches preempted by other
    /// work on a shared machine fall above the median, so this compares two builds more steadily than the totals.
    static func measure(
        _ name: String, _ events: [Event], documents: Int,
        foldBatch: ([Event], EngineTiming) async throws -> Int
    ) async throws -> (eventsPerSecond: Int, eventsPerCPUSecond: Int, writesPerBatch: Int) {
        let clock = ContinuousClock()
        let started = clock.now
        let timing = EngineTiming()
        var writes = 0
        var batchSeconds: [Double] = []
        var offset = 0
        while offset < events.count {
            let before = timing.seconds
            let batch = Array(events[offset..<min(offset + 1_000, events.count)])
            offset += batch.count
            writes += try await foldBatch(batch, timing)
            batchSeconds.append(timing.seconds - before)
        }
        let loopSeconds = (clock.now - started) / .seconds(1)
        print("BENCH \(name)_loop_events_per_s \(Int(Double(events.count) / loopSeconds)) events/s")
        if benchSetting("ENGINE_BENCH_MEDIAN", default: 0) == 1, !batchSeconds.isEmpty {
            let median = batchSeconds.sorted()[batchSeconds.count / 2]
            let perBatch = Double(events.count) / Double(batchSeconds.count)
            print("BENCH \(name)_median_batch_events_per_s \(Int(perBatch / max(median, 1e-9))) events/s")
        }
        return (
            Int(Double(events.count) / max(timing.seconds, 1e-9)),
            Int(Double(events.count) / max(timing.cpuSeconds, 1e-9)),
            writes / max(batchSeconds.count, 1)
        )
    }

    static func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Events of `documents` streams, interleaved so that each batch touches many documents.
    static func makeEvents(total: Int, documents: Int) -> [Event] {
        var events: [Event] = []
        events.reserveCapacity(total)
        let perStream = max(total / documents, 1)
        for round in 0..<perStream {
            for stream in 0..<documents where events.count < total {
                let seq = Int64(round + 1)
                let type: String
                let data: JSONValue
                switch round {
                case 0:
                    type = "opened"
                    data = ["owner": .string("owner-\(stream % 977)"), "currency": "EUR"]
                case let r where r % 4 == 3:
                    type = "withdrawn"
                    data = ["amount": .int(round % 50 + 1), "currency": "EUR"]
                default:
                    type = "deposited"
                    data = ["amount": .double(Double(round) * 1.5), "currency": "EUR"]
                }
                let position = Int64(events.count + 1)
                events.append(
                    Event(
                        id: "e\(position)", type: type, stream: "acc-\(stream)", seq: seq, service: "account-svc",
                        cursor: EventCursor(transactionID: UInt64(position), position: position),
                        createdAt: "2024-05-01T10:00:00Z", data: data))
            }
        }
        return events
    }
}
