import Foundation
import Logging
import ProjectorCore
import ProjectorRuntime
import ProjectorTesting

/// The consumer side alone: ``BatchProcessor`` with ``DiscardingStore`` over events made in memory with the shape
/// and order of the generated table (`bench-event`s round robin over 100,000 streams, 500-byte payloads), so no
/// database and no reader compete for the 2 cores. Counts process CPU time spent in the processor calls only
/// (events are made outside them), which stays comparable on a machine shared with other work.
///
/// - `consumer_service_cpu_us_per_event`: as the service runs into the null sink (`process`, a cache of 20,000
///   documents: every touch misses and is answered by the store).
/// - `consumer_rebuild_cpu_us_per_event`: as the rebuild replays (`submit`/`drain`, a cache of 100,000: after the
///   first 100,000 events every touch hits).
///
/// Run with `RUNTIME_BENCH_PARTS=consumer`; `RUNTIME_BENCH_CONSUMER_EVENTS` sets the event count (default 500,000),
/// `RUNTIME_BENCH_CONSUMER_MODES` the modes run (comma-separated: `service`, `rebuild`; default both).
extension RuntimeBench {
    static func consumer() async throws {
        let total = benchSetting("RUNTIME_BENCH_CONSUMER_EVENTS", default: 500_000)
        let definition = try projection("{ opensearch: { index: unused } }")
        let modes = TestServers.environment("RUNTIME_BENCH_CONSUMER_MODES")?.split(separator: ",").map(String.init)
        for (name, cacheCapacity, pipelined) in [("service", 20_000, false), ("rebuild", 100_000, true)]
        where modes?.contains(name) ?? true {
            var configuration = BatchProcessor.Configuration()
            configuration.cacheCapacity = cacheCapacity
            var processor = BatchProcessor(
                projection: definition, store: DiscardingStore(), readStream: { _, _ in [] }, deadLetter: { _, _ in },
                configuration: configuration, logger: logger)
            var cpu = 0.0
            var processed = 0
            var generator = GeneratedEvents(streams: 100_000)
            while processed < total {
                let batch = generator.next(min(5_000, total - processed))
                let started = EngineBench.processCPUSeconds()
                if pipelined {
                    for report in try await processor.submit(batch) { precondition(report.written > 0) }
                } else {
                    let report = try await processor.process(batch)
                    precondition(report.written > 0)
                }
                cpu += EngineBench.processCPUSeconds() - started
                processed += batch.count
            }
            let started = EngineBench.processCPUSeconds()
            _ = try await processor.drain()
            cpu += EngineBench.processCPUSeconds() - started
            let perEvent = cpu / Double(total) * 1e6
            print("BENCH consumer_\(name)_cpu_us_per_event \(String(format: "%.2f", perEvent)) us")
        }
    }
}

/// Events like `TemporaryEventTable.insertGenerated`'s: event `g` goes to stream `g % streams` with sequence
/// `g / streams + 1`.
struct GeneratedEvents {
    let streams: Int
    var next = 0
    let note = String(repeating: "x", count: 340)

    init(streams: Int) { self.streams = streams }

    static func uuid(_ number: Int, salt: UInt64) -> String {
        // Two multiplicative hashes of the number: distinct, scattered, deterministic.
        let high = (UInt64(number) &+ salt) &* 0x9E37_79B9_7F4A_7C15
        let low = (UInt64(number) ^ (salt << 40)) &* 0xC2B2_AE3D_27D4_EB4F
        func hex(_ value: UInt64, _ digits: Int) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: max(0, digits - text.count)) + text.suffix(digits)
        }
        return "\(hex(high >> 32, 8))-\(hex((high >> 16) & 0xFFFF, 4))-\(hex(high & 0xFFFF, 4))-"
            + "\(hex(low >> 48, 4))-\(hex(low & 0xFFFF_FFFF_FFFF, 12))"
    }

    mutating func next(_ count: Int) -> [Event] {
        var events: [Event] = []
        events.reserveCapacity(count)
        for g in next..<(next + count) {
            var data = JSONObject(minimumCapacity: 7)
            data["event-id"] = .string("bench-event")
            data["n"] = .int(g)
            data["amount"] = .int(g % 1000)
            data["owner"] = .string("user-\(g % 977)")
            data["currency"] = .string("EUR")
            data["tags"] = .array(["a", "b", "c"])
            data["note"] = .string(note)
            events.append(
                Event(
                    id: Self.uuid(g, salt: 1), type: "bench-event", stream: Self.uuid(g % streams, salt: 2),
                    seq: Int64(g / streams + 1), service: "bench",
                    cursor: EventCursor(transactionID: UInt64(1_000 + g / 1_000), position: Int64(g + 1)),
                    createdAt: "2026-11-27T14:00:00.123456+00:00", data: .object(data)))
        }
        next += count
        return events
    }
}
