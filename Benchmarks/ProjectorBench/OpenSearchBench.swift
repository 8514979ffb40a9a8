import Foundation
import Logging
import ProjectorCore
import ProjectorOpenSearch

/// Documents/s written into the OpenSearch test server (osmem-server, `OPENSEARCH_URL`) by the sink alone, next
/// to the server's ceiling measured in the same run by `scripts/bench-osmem-ceiling.py` (plain `_bulk` `create`
/// requests of 1,000 documents with urllib, the same documents, one request at a time).
///
/// The sink writes through ``OpenSearchStore/apply(_:)`` in batches of 1,000 writes (the runtime's batch size),
/// each one conditional `create`. Both sides write into fresh indices; each is measured `rounds` times,
/// alternating, and the best run counts. `OPENSEARCH_BENCH_DOCS` (default 5,000) and `OPENSEARCH_BENCH_ROUNDS`
/// (default 3) tune the run.
enum OpenSearchBench {
    static func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["OPENSEARCH_URL"], !url.isEmpty else {
            printError("opensearch: OPENSEARCH_URL is not set; skipped")
            return
        }
        let count = benchSetting("OPENSEARCH_BENCH_DOCS", default: 5_000)
        let rounds = max(1, benchSetting("OPENSEARCH_BENCH_ROUNDS", default: 3))
        let documents = (0..<count).map(self.document)
        let file = try self.writeDocuments(documents)
        defer { try? FileManager.default.removeItem(at: file) }

        var logger = Logger(label: "bench.opensearch")
        logger.logLevel = .warning
        try await OpenSearchClient.withClient(configuration: .init(url: url), logger: logger) { client in
            let admin = OpenSearchAdmin(client: client)
            var sinkBest = 0.0
            var ceilingBest = 0.0
            for round in 0..<rounds {
                let ceilingIndex = "bench_ceiling_\(round)_\(UInt32.random(in: 0...UInt32.max))"
                try await admin.createIndex(ceilingIndex)
                ceilingBest = max(ceilingBest, try self.ceiling(url: url, index: ceilingIndex, file: file))
                try await admin.deleteIndices([ceilingIndex])

                let sinkIndex = "bench_sink_\(round)_\(UInt32.random(in: 0...UInt32.max))"
                try await admin.createIndex(sinkIndex)
                sinkBest = max(sinkBest, try await self.sink(client: client, index: sinkIndex, documents: documents))
                try await admin.deleteIndices([sinkIndex])
            }
            print("BENCH opensearch_sink_docs_per_s \(Int(sinkBest.rounded())) docs/s")
            print("BENCH opensearch_raw_ceiling_docs_per_s \(Int(ceilingBest.rounded())) docs/s")
            print("BENCH opensearch_sink_ratio \(String(format: "%.2f", sinkBest / ceilingBest)) ratio")
        }
    }

    /// Writes all documents through the store, 1,000 per `apply`; returns documents/s.
    static func sink(client: OpenSearchClient, index: String, documents: [(key: String, body: JSONValue)]) async throws
        -> Double
    {
        let store = try OpenSearchStore(client: client, index: index)
        let writes = documents.map { DocumentWrite.upsert(key: $0.key, body: $0.body, expected: nil) }
        let clock = ContinuousClock()
        let started = clock.now
        var applied = 0
        var start = 0
        while start < writes.count {
            let end = min(start + 1_000, writes.count)
            for outcome in try await store.apply(Array(writes[start..<end])) {
                if case .applied = outcome { applied += 1 }
            }
            start = end
        }
        let elapsed = clock.now - started
        guard applied == documents.count else {
            throw OpenSearchBenchError(message: "sink applied \(applied) of \(documents.count) documents")
        }
        let (seconds, attoseconds) = elapsed.components
        return Double(documents.count) / (Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// Runs the Python loader on the same documents; returns its documents/s.
    static func ceiling(url: String, index: String, file: URL) throws -> Double {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/bench-osmem-ceiling.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--url", url, "--index", index, "--file", file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let fields = text.split(separator: " ")
        guard process.terminationStatus == 0, fields.count >= 3, fields[1] == "opensearch_raw_ceiling_docs_per_s",
            let value = Double(fields[2])
        else {
            throw OpenSearchBenchError(
                message: "the ceiling script failed (exit \(process.terminationStatus)): \(text.prefix(300))")
        }
        return value
    }

    /// Stores the documents as lines `{"_id": key, "doc": body}` for the Python loader.
    static func writeDocuments(_ documents: [(key: String, body: JSONValue)]) throws -> URL {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(documents.count * 400)
        for document in documents {
            let line: JSONValue = ["_id": .string(document.key), "doc": document.body]
            line.write(to: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("os-bench-\(UUID().uuidString).jsonl")
        try Data(bytes).write(to: file)
        return file
    }

    /// A view document of the size projections typically write (~350 bytes), metadata field included.
    static func document(_ index: Int) -> (key: String, body: JSONValue) {
        let key = "account-\(index)"
        let body: JSONValue = [
            "id": .string(key), "owner": .string("user-\(index % 997)"), "balance": .int(index * 7),
            "currency": "EUR", "opened_at": "2026-01-27T10:15:00.000Z", "closed": false,
            "tags": ["retail", .string("segment-\(index % 13)")],
            "address": ["city": "Vienna", "zip": .string(String(1000 + index % 900))],
            "_projector": ["v": 1, "streams": .object(JSONObject([(key, .int(3))]))],
        ]
        return (key, body)
    }
}

struct OpenSearchBenchError: Error, CustomStringConvertible {
    var message: String
    var description: String { "opensearch bench: \(message)" }
}
