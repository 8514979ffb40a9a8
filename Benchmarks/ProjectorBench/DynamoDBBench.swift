import Foundation
import Logging
import ProjectorAWS
import ProjectorCore
import ProjectorDynamoDB

/// Documents/s written into the DynamoDB test server (moto, `DYNAMODB_ENDPOINT`) by the sink alone, next to the
/// server's ceiling measured in the same run by `scripts/bench-moto-ceiling.py` (boto3 `put_item`, the same
/// condition, a thread pool of the same concurrency, the same documents).
///
/// `DYNAMODB_BENCH_DOCS` (default 3,000), `DYNAMODB_BENCH_ROUNDS` (default 2) and `DYNAMODB_BENCH_CONCURRENCY`
/// (default 32) tune the run;
/// `DYNAMODB_BENCH_LOG_LEVEL=debug` shows the client's retries.
enum DynamoDBBench {
    static func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let endpoint = environment["DYNAMODB_ENDPOINT"], !endpoint.isEmpty else {
            printError("dynamodb: DYNAMODB_ENDPOINT is not set; skipped")
            return
        }
        let count = benchSetting("DYNAMODB_BENCH_DOCS", default: 3_000)
        let rounds = max(1, benchSetting("DYNAMODB_BENCH_ROUNDS", default: 2))
        let concurrency = benchSetting("DYNAMODB_BENCH_CONCURRENCY", default: 32)
        let region = environment["AWS_REGION"] ?? "eu-west-1"
        let credentials = StaticCredentialProvider(
            AWSCredentials(
                accessKeyID: environment["AWS_ACCESS_KEY_ID"] ?? "testing",
                secretAccessKey: environment["AWS_SECRET_ACCESS_KEY"] ?? "testing"))
        let documents = (0..<count).map(self.document)
        let suffix = UInt32.random(in: 0...UInt32.max)
        var logger = Logger(label: "bench.dynamodb")
        logger.logLevel = environment["DYNAMODB_BENCH_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info

        try await DynamoDBClient.withClient(
            configuration: .init(region: region, endpoint: endpoint), credentials: credentials,
            maximumConnections: concurrency, logger: logger
        ) { client in
            // Rounds alternate the order (ceiling first, then sink first, …) so that drift in the machine's
            // load hits both sides alike; the best rate of each side counts.
            var best = (sink: 0.0, ceiling: 0.0)
            for round in 0..<rounds {
                let tables = (sink: "bench_sink_\(suffix)_\(round)", ceiling: "bench_ceiling_\(suffix)_\(round)")
                do {
                    for side in round % 2 == 0 ? ["ceiling", "sink"] : ["sink", "ceiling"] {
                        if side == "sink" {
                            let rate = try await self.sink(
                                client: client, table: tables.sink, documents: documents, concurrency: concurrency)
                            best.sink = max(best.sink, rate)
                        } else {
                            try await client.ensureTable(tables.ceiling, keyAttribute: "id")
                            let rate = try self.ceiling(
                                endpoint: endpoint, table: tables.ceiling, documents: documents,
                                concurrency: concurrency)
                            best.ceiling = max(best.ceiling, rate)
                        }
                    }
                } catch {
                    try? await client.deleteTable(tables.sink, waitUntilGone: false)
                    try? await client.deleteTable(tables.ceiling, waitUntilGone: false)
                    throw error
                }
                try await client.deleteTable(tables.sink, waitUntilGone: false)
                try await client.deleteTable(tables.ceiling, waitUntilGone: false)
            }
            print("BENCH dynamodb_sink_docs_per_s \(Int(best.sink.rounded())) docs/s")
            print("BENCH dynamodb_raw_ceiling_docs_per_s \(Int(best.ceiling.rounded())) docs/s")
            print("BENCH dynamodb_sink_ratio \(String(format: "%.2f", best.sink / best.ceiling)) ratio")
        }
    }

    /// Writes the documents through the sink into a fresh table; documents/s.
    static func sink(
        client: DynamoDBClient, table: String, documents: [(key: String, body: JSONValue)], concurrency: Int
    ) async throws -> Double {
        let store = DynamoDBViewStore(
            configuration: .init(table: table, maximumConcurrentWrites: concurrency), client: client)
        try await store.ensureTable()
        let writes = documents.map { DocumentWrite.upsert(key: $0.key, body: $0.body, expected: nil) }
        let clock = ContinuousClock()
        let started = clock.now
        let outcomes = try await store.apply(writes)
        let elapsed = clock.now - started
        let applied = outcomes.filter { if case .applied = $0 { true } else { false } }.count
        guard applied == documents.count else {
            throw BenchError(message: "sink applied \(applied) of \(documents.count) documents")
        }
        return Double(documents.count) / self.seconds(elapsed)
    }

    /// A view document of the size projections typically write (~350 bytes).
    static func document(_ index: Int) -> (key: String, body: JSONValue) {
        let key = "account-\(index)"
        let body: JSONValue = [
            "id": .string(key), "owner": .string("user-\(index % 997)"), "balance": .int(index * 7),
            "rate": .double(Double(index) / 8), "currency": "EUR", "opened_at": "2024-05-01T12:00:00Z",
            "tags": ["retail", .string("branch-\(index % 31)")],
            "address": ["street": .string("\(index) Main Street"), "city": "Vienna", "zip": "1010"],
            "_projector": ["v": 1, "seq": .object(["svc/\(key)": 3])],
        ]
        return (key, body)
    }

    /// Runs the boto3 loader on the same documents and returns its documents/s.
    static func ceiling(endpoint: String, table: String, documents: [(key: String, body: JSONValue)], concurrency: Int)
        throws -> Double
    {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dynamodb-bench-\(table).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        var lines: [UInt8] = []
        for document in documents {
            guard case .object(let object) = document.body else { continue }
            JSONValue.object(try DynamoDBItemCoder.item(from: object)).write(to: &lines)
            lines.append(UInt8(ascii: "\n"))
        }
        try Data(lines).write(to: file)

        let script = FileManager.default.currentDirectoryPath + "/scripts/bench-moto-ceiling.py"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", script, "--endpoint", endpoint, "--table", table, "--items", file.path,
            "--concurrency", String(concurrency),
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0,
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("CEILING ") }),
            let rate = line.split(separator: " ").last.flatMap({ Double($0) })
        else {
            throw BenchError(message: "\(script) failed (status \(process.terminationStatus)): \(text.prefix(200))")
        }
        return rate
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    struct BenchError: Error, CustomStringConvertible {
        var message: String
        var description: String { "dynamodb bench: \(message)" }
    }
}
