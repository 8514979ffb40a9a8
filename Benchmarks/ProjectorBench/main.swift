#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// `projector-bench [NAME…]`: runs the named benchmarks, or all of them, in this order.
// Each prints lines `BENCH <name> <value> <unit>`; `scripts/bench` collects them into a table.
// A benchmark area adds `<Area>Bench.swift` with `enum <Area>Bench { static func run() async throws }`
// and one line below.

/// One benchmark area: the name to select it by and its entry point.
struct BenchmarkArea: Sendable {
    let name: String
    let run: @Sendable () async throws -> Void
}

let areas: [BenchmarkArea] = [
    // Pure code first, then against the servers; the end-to-end service last.
    BenchmarkArea(name: "jsonata", run: JSONataBench.run),
    BenchmarkArea(name: "engine", run: EngineBench.run),
    BenchmarkArea(name: "sigv4", run: SigV4Bench.run),
    BenchmarkArea(name: "source", run: SourceBench.run),
    BenchmarkArea(name: "opensearch", run: OpenSearchBench.run),
    BenchmarkArea(name: "dynamodb", run: DynamoDBBench.run),
    BenchmarkArea(name: "runtime", run: RuntimeBench.run),
    BenchmarkArea(name: "operations", run: OperationsBench.run),
]

/// Peak resident set size of this process so far, in bytes (`getrusage`: kilobytes on Linux, bytes on macOS).
func peakResidentBytes() -> Int {
    var usage = rusage()
    #if canImport(Darwin)
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss)
    #else
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss) * 1024
    #endif
}

/// The whole number in the environment variable `name` (a benchmark's size knob), `fallback` when unset or not a
/// number.
func benchSetting(_ name: String, default fallback: Int) -> Int {
    // getenv, not Foundation: importing Foundation here hides the C `timespec` members other files read.
    getenv(name).flatMap { Int(String(cString: $0)) } ?? fallback
}

/// Writes one line to standard error (the `stderr` global is not concurrency-safe in Swift 6).
func printError(_ message: String) {
    let line = Array("projector-bench: \(message)\n".utf8)
    _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

let requested = CommandLine.arguments.dropFirst().map { $0.lowercased() }
if requested.contains("--help") || requested.contains("-h") {
    print("usage: projector-bench [NAME…]   (names: \(areas.map(\.name).joined(separator: ", ")); default: all)")
    exit(0)
}
let unknown = requested.filter { name in !areas.contains { $0.name == name } }
if !unknown.isEmpty {
    printError(
        "unknown benchmark \(unknown.joined(separator: ", ")); expected one of: "
            + (areas.isEmpty ? "(none yet)" : areas.map(\.name).joined(separator: ", "))
    )
    exit(2)
}

var failed: [String] = []
for area in areas where requested.isEmpty || requested.contains(area.name) {
    do {
        try await area.run()
    } catch {
        failed.append(area.name)
        printError("\(area.name) failed: \(error)")
    }
}
print("BENCH bench_process_peak_rss \(peakResidentBytes() / (1024 * 1024)) MB")
if !failed.isEmpty {
    printError("failed: \(failed.joined(separator: ", "))")
    exit(1)
}
