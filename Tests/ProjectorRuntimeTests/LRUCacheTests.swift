import ProjectorRuntime
import Testing

@Suite struct LRUCacheTests {
    @Test func evictsLeastRecentlyUsed() {
        var cache = LRUCache<String, Int>(capacity: 3)
        cache.setValue(1, forKey: "a")
        cache.setValue(2, forKey: "b")
        cache.setValue(3, forKey: "c")
        #expect(cache.value(forKey: "a") == 1)  // a is now most recent
        cache.setValue(4, forKey: "d")  // evicts b
        #expect(cache.value(forKey: "b") == nil)
        #expect(cache.value(forKey: "a") == 1)
        #expect(cache.value(forKey: "c") == 3)
        #expect(cache.value(forKey: "d") == 4)
        #expect(cache.count == 3)
    }

    @Test func removalKeepsLinksConsistent() {
        var cache = LRUCache<Int, Int>(capacity: 100)
        for index in 0..<50 { cache.setValue(index, forKey: index) }
        for index in stride(from: 0, to: 50, by: 3) { cache.removeValue(forKey: index) }
        for index in 100..<200 { cache.setValue(index, forKey: index) }
        #expect(cache.count == 100)
        // The 100 most recent inserts survive, everything older is gone.
        for index in 100..<200 { #expect(cache.value(forKey: index) == index) }
        #expect(cache.value(forKey: 49) == nil)
    }

    @Test func theLeastRecentlyUsedAreCountedAndTakenFirst() {
        var cache = LRUCache<String, Int>(capacity: 10)
        for (value, key) in ["a", "b", "c", "d"].enumerated() { cache.setValue(value, forKey: key) }
        _ = cache.value(forKey: "a")  // order, least recent first: b c d a
        #expect(cache.leastRecentValue == 1)
        #expect(cache.leastRecentCount(upTo: 10, where: { $0 < 3 }) == 2, "b and c, then d stops the count")
        #expect(cache.leastRecentCount(upTo: 1, where: { _ in true }) == 1)
        #expect(cache.takeLeastRecent() == 1)
        #expect(cache.takeLeastRecent() == 2)
        #expect(cache.value(forKey: "b") == nil)
        #expect(cache.count == 2)
        #expect(cache.takeLeastRecent() == 3)
        #expect(cache.takeLeastRecent() == 0)
        #expect(cache.takeLeastRecent() == nil)
        #expect(cache.leastRecentValue == nil)
    }

    @Test func boundedUnderChurn() {
        var cache = LRUCache<Int, [Int]>(capacity: 1000)
        for index in 0..<100_000 {
            cache.setValue([index], forKey: index % 5000)
            if index % 7 == 0 { cache.removeValue(forKey: (index * 31) % 5000) }
        }
        #expect(cache.count <= 1000)
    }

    @Test func trimEvictsTheLeastRecentlyUsedFirst() {
        var cache = LRUCache<String, Int>(capacity: 10)
        for (offset, key) in ["a", "b", "c", "d"].enumerated() { cache.setValue(offset, forKey: key) }
        _ = cache.value(forKey: "a")
        cache.trim(toCount: 2)
        #expect(cache.count == 2)
        #expect(cache.value(forKey: "b") == nil)
        #expect(cache.value(forKey: "c") == nil)
        #expect(cache.value(forKey: "a") == 0)
        #expect(cache.value(forKey: "d") == 3)
        cache.trim(toCount: -1)
        #expect(cache.count == 0)
    }

    @Test func takeAllEmptiesTheCacheAndHandsOutEveryValue() {
        var cache = LRUCache<Int, Int>(capacity: 100)
        for index in 0..<50 { cache.setValue(index * 2, forKey: index) }
        for index in stride(from: 0, to: 50, by: 5) { cache.removeValue(forKey: index) }
        let values = cache.takeAll()
        #expect(values.sorted() == (0..<50).filter { $0 % 5 != 0 }.map { $0 * 2 })
        #expect(cache.count == 0)
        cache.setValue(7, forKey: 1)
        #expect(cache.value(forKey: 1) == 7)
    }
}
