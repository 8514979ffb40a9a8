import ProjectorCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// JSONata evaluation throughput on one core: a simple path, a `$merge` of 10 fields, a filter over 100 elements.
/// Time is the thread's CPU time, so the figure is per core even on a machine shared with other work.
enum JSONataBench {
    static func run() async throws {
        let event: JSONValue = [
            "id": "e-1", "type": "money-deposited", "stream": "a1", "seq": 7,
            "data": ["amount": 125, "currency": "EUR", "note": "salary"],
        ]
        var document = JSONObject()
        for index in 0..<10 { document["field\(index)"] = .int(index) }
        let items: JSONValue = .array((0..<100).map { ["id": .int($0), "amount": .int($0 * 3)] })

        try measure(
            "jsonata_simple_path_per_s", expression: "$event.data.amount", input: nil, bindings: ["event": event],
            iterations: 3_000_000)
        try measure(
            "jsonata_merge10_per_s",
            expression:
                #"$merge([$doc, {"f0": $event.data.amount, "f1": $event.data.currency, "f2": 2, "f3": 3, "f4": 4, "f5": 5, "f6": 6, "f7": 7, "f8": 8, "f9": 9}])"#,
            input: nil, bindings: ["event": event, "doc": .object(document)], iterations: 200_000)
        try measure(
            "jsonata_filter100_per_s", expression: "items[amount > 150].id", input: ["items": items], bindings: [:],
            iterations: 20_000)
    }

    private static func measure(
        _ name: String, expression source: String, input: JSONValue?, bindings: [String: JSONValue], iterations: Int
    ) throws {
        let expression = try JSONataExpression(source)
        var sink = 0
        for _ in 0..<min(iterations / 10, 10_000) {
            if try expression.evaluate(input, bindings: bindings) != nil { sink &+= 1 }
        }
        let start = threadCPUSeconds()
        for _ in 0..<iterations {
            if try expression.evaluate(input, bindings: bindings) != nil { sink &+= 1 }
        }
        let seconds = max(threadCPUSeconds() - start, 1e-9)
        precondition(sink > 0, "benchmark expression \(name) produced no result")
        print("BENCH \(name) \(Int(Double(iterations) / seconds)) evaluations/s")
    }

    private static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
