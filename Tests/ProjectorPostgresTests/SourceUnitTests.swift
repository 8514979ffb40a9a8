import ProjectorCore
import Testing

@testable import ProjectorPostgres

@Suite struct EDDDecodingTests {
    @Test(arguments: [
        (":user-created", "user-created"), ("#7f0c", "7f0c"), ("::x", ":x"), ("##x", "#x"), ("plain", "plain"),
        ("", ""), (":", ""), ("x:y", "x:y"),
    ])
    func stripsOneLeadingTag(stored: String, decoded: String) {
        #expect(EDDDecoding.decode(stored) == decoded)
    }

    @Test func decodesNestedValuesButNotKeywordKeys() throws {
        let stored = try JSONValue(parsing: ###"{":k":":v","a":[":x","#y",{"b":"##z"}],"n":1,"t":true,"z":null}"###)
        let decoded = EDDDecoding.decode(stored)
        #expect(decoded == (try JSONValue(parsing: ##"{":k":"v","a":["x","y",{"b":"#z"}],"n":1,"t":true,"z":null}"##)))
        #expect(decoded.objectValue?.keys == [":k", "a", "n", "t", "z"])
    }

    /// edd-core writes UUID map keys as `"#uuid"` (and reads them back without the `#`), so a projection sees
    /// `{"accounts": {"7f0c…": …}}` as edd's own code does; `"##x"` keeps one `#`.
    @Test func stripsTheTagOfUUIDKeysInOrder() throws {
        let stored = try JSONValue(
            parsing: ###"{"accounts":{"#7f0c-1":{"n":1},"##h":2,"plain":3},"#top":"v"}"###)
        let decoded = EDDDecoding.decode(stored)
        #expect(decoded == (try JSONValue(parsing: ##"{"accounts":{"7f0c-1":{"n":1},"#h":2,"plain":3},"top":"v"}"##)))
        #expect(decoded.objectValue?.keys == ["accounts", "top"])
        #expect(decoded.objectValue?["accounts"]?.objectValue?.keys == ["7f0c-1", "#h", "plain"])
    }

    @Test func typeFilterSpellingsCoverEveryEncodingOfTheDecodedType() throws {
        let schema = try #require(SQLIdentifier("projector"))
        var layout = EventTableLayout(
            table: try #require(SQLTableName("realm.event_store")), channel: schema, schema: schema)
        layout.encoding = .edd
        let spellings = layout.storedTypeSpellings(["created", ":odd"])
        #expect(spellings == [":created", "#created", "created", "::odd", "#:odd"])
        for spelling in spellings {
            #expect(["created", ":odd"].contains(EDDDecoding.decode(spelling)))
        }
        layout.encoding = .plain
        #expect(layout.storedTypeSpellings(["created"]) == ["created"])
    }
}

@Suite struct BackoffTests {
    @Test func growsExponentiallyUpToTheCapWithJitterWithinBounds() {
        var exact = Backoff(initial: .milliseconds(100), maximum: .seconds(1), multiplier: 2, jitter: 0)
        let delays = (0..<6).map { _ in exact.next() }
        #expect(delays.map { Int(Backoff.seconds($0) * 1000 + 0.5) } == [100, 200, 400, 800, 1000, 1000])
        exact.reset()
        #expect(exact.attempt == 0)
        #expect(Int(Backoff.seconds(exact.next()) * 1000 + 0.5) == 100)
        var jittered = Backoff(initial: .milliseconds(100), maximum: .seconds(1), multiplier: 2, jitter: 0.5)
        var seen: Set<Duration> = []
        for attempt in 0..<100 {
            let delay = jittered.next()
            let base = min(100.0 * Double(1 << min(attempt, 20)), 1000.0) / 1000
            #expect(Backoff.seconds(delay) >= base / 2 - 1e-9 && Backoff.seconds(delay) <= base + 1e-9)
            seen.insert(delay)
        }
        #expect(seen.count > 10)
    }
}

@Suite struct WatermarkStallTrackerTests {
    @Test func measuresOnlyWhileEventsWaitAboveAnUnmovedWatermark() {
        var tracker = WatermarkStallTracker<ContinuousClock.Instant>()
        let start = ContinuousClock.Instant.now
        #expect(tracker.observe(watermark: 10, eventsAbove: false, now: start) == .zero)
        #expect(tracker.observe(watermark: 10, eventsAbove: true, now: start + .seconds(1)) == .zero)
        #expect(tracker.observe(watermark: 10, eventsAbove: true, now: start + .seconds(4)) == .seconds(3))
        // The watermark moved: a fresh start.
        #expect(tracker.observe(watermark: 11, eventsAbove: true, now: start + .seconds(5)) == .zero)
        #expect(tracker.observe(watermark: 11, eventsAbove: true, now: start + .seconds(7)) == .seconds(2))
        #expect(tracker.observe(watermark: 11, eventsAbove: false, now: start + .seconds(8)) == .zero)
    }
}

@Suite struct TimestampFormatterTests {
    @Test(arguments: [
        (Int64(0), "2000-01-01T00:00:00+00:00"),
        (Int64(1_500_000), "2000-01-01T00:00:01.5+00:00"),
        (Int64(-1), "1999-12-31T23:59:59.999999+00:00"),
        (Int64(767_880_645_123_456), "2024-05-01T12:10:45.123456+00:00"),
        (Int64(131_328_000_000_000), "2004-02-29T00:00:00+00:00"),
    ])
    func formatsLikePostgresJSON(microseconds: Int64, expected: String) {
        #expect(TimestampFormatter.format(microsecondsSince2000: microseconds) == expected)
    }
}

@Suite struct WakeUpSignalTests {
    @Test func signalsCoalesceAndTimeoutsReturnFalse() async {
        let signal = WakeUpSignal()
        signal.signal()
        signal.signal()
        #expect(await signal.wait(timeout: .seconds(5), clock: ContinuousClock()))
        #expect(await !signal.wait(timeout: .milliseconds(20), clock: ContinuousClock()))
        let waiter = Task { await signal.wait(timeout: .seconds(10), clock: ContinuousClock()) }
        try? await Task.sleep(for: .milliseconds(20))
        signal.signal()
        #expect(await waiter.value)
    }

    @Test func stableLockKeysDoNotChange() {
        #expect(ProjectionLease.lockKey(for: "orders") == ProjectionLease.lockKey(for: "orders"))
        #expect(ProjectionLease.lockKey(for: "orders") != ProjectionLease.lockKey(for: "order"))
        #expect(StableHash.fnv1a("") == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
    }
}
