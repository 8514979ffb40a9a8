import Foundation
import Logging
import ProjectorCore
import ProjectorOpenSearch
import ProjectorTesting

/// The latency floor the view store itself sets: the latency run's writes (one document every 5 ms for 10 s, to the
/// documents of the same workload) sent straight through ``OpenSearchStore`` without projector, each after the one
/// before.
///
/// `e2e_latency_store_probe_p99_ms` / `_max_ms` (`e2e_latency_new_documents_store_probe_…` for the new-document
/// workload) measure each write from when it was due to when the store answered,
/// as the latency run measures each event from its commit: a write due while the store stalls waits for the stall,
/// as every event committed during it does in the service.
extension RuntimeBench {
    static func storeProbe(openSearch: String, workload: LatencyWorkload) async throws {
        let configuration = OpenSearchClient.Configuration(url: openSearch)
        try await OpenSearchClient.withClient(configuration: configuration, logger: logger) { client in
            let index = "latency_probe_\(TestServers.uniqueSuffix())"
            let admin = OpenSearchAdmin(client: client)
            try await admin.createIndex(index)
            let store = try OpenSearchStore(client: client, index: index)
            let streams = (0..<100).map { "probe-\($0)" }
            let clock = ContinuousClock()
            let start = clock.now
            var revisions: [String: StoreRevision] = [:]
            var milliseconds: [Double] = []
            milliseconds.reserveCapacity(2_000)
            for step in 0..<2_000 {
                let due = start + .milliseconds(5 * step)
                try await Task.sleep(until: due, clock: clock)
                let key = workload.stream(step, streams: streams).stream
                let body: JSONValue = .object(["id": .string(key), "step": .int(step)])
                // Guarded by the revision the last write returned, as projector writes.
                let outcomes = try await store.apply([.upsert(key: key, body: body, expected: revisions[key])])
                guard case .applied(let revision?) = outcomes.first else {
                    throw OpenSearchBenchError(message: "store probe: write \(step) to \(key) not applied: \(outcomes)")
                }
                revisions[key] = revision
                milliseconds.append(seconds(clock.now - due) * 1_000)
            }
            try await admin.deleteIndices([index])
            milliseconds.sort()
            let p99 = milliseconds[min(milliseconds.count - 1, milliseconds.count * 99 / 100)]
            let name = "e2e_latency_\(workload.label)store_probe"
            print("BENCH \(name)_p99_ms \(String(format: "%.1f", p99)) ms")
            print("BENCH \(name)_max_ms \(String(format: "%.1f", milliseconds.last ?? 0)) ms")
        }
    }
}
