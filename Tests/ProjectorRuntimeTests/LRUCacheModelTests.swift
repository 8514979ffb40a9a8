import ProjectorRuntime
import Testing

/// The cache against a plain model (a dictionary and a recency list) under random operations, with colliding
/// hashes so probe runs and their back-shifting removals are exercised.
@Suite struct LRUCacheModelTests {
    /// A key whose hash has few distinct values: many keys share home buckets.
    struct CollidingKey: Hashable {
        var id: Int
        static func == (lhs: CollidingKey, rhs: CollidingKey) -> Bool { lhs.id == rhs.id }
        func hash(into hasher: inout Hasher) { hasher.combine(id % 7) }
    }

    struct Model {
        var values: [Int: Int] = [:]
        var recency: [Int] = []  // least recent first

        mutating func touch(_ key: Int) {
            recency.removeAll { $0 == key }
            recency.append(key)
        }
    }

    @Test(arguments: [1, 5, 64])
    func matchesModel(capacity: Int) {
        var generator = LRUTestRandom(seed: UInt64(capacity))
        var cache = LRUCache<CollidingKey, Int>(capacity: capacity)
        var model = Model()
        for step in 0..<20_000 {
            let key = Int(generator.next() % UInt64(capacity * 3))
            switch generator.next() % 4 {
            case 0, 1:
                cache.setValue(step, forKey: CollidingKey(id: key))
                model.values[key] = step
                model.touch(key)
                if model.values.count > capacity {
                    let evicted = model.recency.removeFirst()
                    model.values[evicted] = nil
                }
            case 2:
                let taken = cache.take(forKey: CollidingKey(id: key))
                #expect(taken == model.values.removeValue(forKey: key))
                model.recency.removeAll { $0 == key }
            default:
                let found = cache.value(forKey: CollidingKey(id: key))
                #expect(found == model.values[key])
                if found != nil { model.touch(key) }
            }
            #expect(cache.count == model.values.count)
        }
        for (key, value) in model.values { #expect(cache.value(forKey: CollidingKey(id: key)) == value) }
        cache.removeAll()
        #expect(cache.count == 0)
        #expect(model.values.keys.allSatisfy { cache.value(forKey: CollidingKey(id: $0)) == nil })
    }

    final class Box {
        let number: Int
        init(_ number: Int) { self.number = number }
    }

    @Test func takeHandsOutTheStoredValueUnshared() {
        var cache = LRUCache<String, Box>(capacity: 4)
        cache.setValue(Box(1), forKey: "a")
        cache.setValue(Box(2), forKey: "b")
        cache.setValue(Box(3), forKey: "c")
        guard var taken = cache.take(forKey: "a") else {
            Issue.record("a is cached")
            return
        }
        #expect(isKnownUniquelyReferenced(&taken))
        #expect(taken.number == 1)
        #expect(cache.value(forKey: "b")?.number == 2)
        #expect(cache.value(forKey: "c")?.number == 3)
        #expect(cache.count == 2)
    }
}

/// A small deterministic generator (a 64-bit linear congruential one), so a failure reproduces.
struct LRUTestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 33
    }
}
