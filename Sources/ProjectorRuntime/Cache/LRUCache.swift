/// A bounded least-recently-used map. Not thread-safe: each projection worker owns one.
///
/// Nodes live in one dense array and link by index; an open-addressing table (linear probing) maps keys to nodes.
/// Each node keeps its key's hash, so an operation hashes its key once and removals shift table entries back
/// without rehashing other keys (a `Dictionary` with string keys rehashes the rest of a probe run on every removal).
/// Values move in and out without copies: ``take(forKey:)`` hands out the stored value itself, and lookups and
/// updates allocate nothing once the cache is full (the slot of the evicted entry is reused).
public struct LRUCache<Key: Hashable, Value> {
    private struct Node {
        var key: Key
        /// Always set while the node is in the cache; `nil` only as it is removed (its value moved out in place).
        var value: Value?
        var hash: Int
        var previous: Int
        var next: Int
    }

    /// The most entries kept; inserting beyond it evicts the least recently used.
    public let capacity: Int
    private var nodes: [Node] = []
    /// Node index per bucket, `-1` when empty; a power of two at least twice the node count.
    private var table: [Int32] = []
    private var head = -1  // most recently used
    private var tail = -1  // least recently used

    /// Creates an empty cache holding at most `capacity` entries (must be positive; traps otherwise).
    public init(capacity: Int) {
        precondition(capacity > 0, "cache capacity must be positive")
        self.capacity = capacity
    }

    /// Number of entries.
    public var count: Int { nodes.count }

    /// The value for `key`, marking it most recently used.
    public mutating func value(forKey key: Key) -> Value? {
        guard let (_, slot) = find(key, hash: key.hashValue) else { return nil }
        moveToFront(slot)
        return nodes[slot].value
    }

    /// Inserts or replaces the value for `key`, marking it most recently used.
    public mutating func setValue(_ value: consuming Value, forKey key: Key) {
        let hash = key.hashValue
        if let (_, slot) = find(key, hash: hash) {
            nodes[slot].value = value
            moveToFront(slot)
            return
        }
        let slot: Int
        if nodes.count >= capacity, tail >= 0 {
            // The least recently used node is overwritten in place (its value released here).
            slot = tail
            unlink(slot)
            removeFromTable(node: slot)
            nodes[slot] = Node(key: key, value: value, hash: hash, previous: -1, next: -1)
        } else {
            growTable(toHold: nodes.count + 1)
            slot = nodes.count
            nodes.append(Node(key: key, value: value, hash: hash, previous: -1, next: -1))
        }
        insertIntoTable(node: slot, hash: hash)
        linkAtFront(slot)
    }

    /// Removes and returns the value for `key`: the stored value itself, moved out (the caller then holds the
    /// only copy and may change it in place).
    public mutating func take(forKey key: Key) -> Value? {
        guard let (bucket, slot) = find(key, hash: key.hashValue) else { return nil }
        return remove(slot, bucket: bucket)
    }

    /// Forgets `key`. Its slot stays allocated until reused.
    public mutating func removeValue(forKey key: Key) {
        guard let (bucket, slot) = find(key, hash: key.hashValue) else { return }
        _ = remove(slot, bucket: bucket)
    }

    /// The least recently used value, left where it is (`nil` when empty).
    public var leastRecentValue: Value? { tail >= 0 ? nodes[tail].value : nil }

    /// How many values in a row, from the least recently used on, satisfy `predicate` (counting stops at `limit`).
    public func leastRecentCount(upTo limit: Int, where predicate: (Value) -> Bool) -> Int {
        var found = 0
        var slot = tail
        while found < limit, slot >= 0, let value = nodes[slot].value, predicate(value) {
            found += 1
            slot = nodes[slot].previous
        }
        return found
    }

    /// Removes and returns the least recently used value (moved out); `nil` when empty.
    public mutating func takeLeastRecent() -> Value? {
        guard tail >= 0 else { return nil }
        return remove(tail, bucket: bucket(of: tail))
    }

    /// Evicts least recently used entries until at most `count` remain.
    public mutating func trim(toCount count: Int) {
        while nodes.count > max(0, count), tail >= 0 {
            _ = remove(tail, bucket: bucket(of: tail))
        }
    }

    /// Empties the cache and returns every value (moved out, in no particular order).
    public mutating func takeAll() -> [Value] {
        var values: [Value] = []
        values.reserveCapacity(nodes.count)
        for slot in nodes.indices {
            if let value = nodes[slot].value.take() { values.append(value) }
        }
        removeAll()
        return values
    }

    /// Forgets everything.
    public mutating func removeAll() {
        nodes.removeAll(keepingCapacity: true)
        for bucket in table.indices { table[bucket] = -1 }
        head = -1
        tail = -1
    }

    // MARK: - Table

    private var mask: Int { table.count - 1 }

    /// The bucket and node of `key`, `nil` when absent.
    @inline(__always)
    private func find(_ key: Key, hash: Int) -> (bucket: Int, slot: Int)? {
        guard !table.isEmpty else { return nil }
        let mask = self.mask
        var bucket = hash & mask
        while true {
            let slot = Int(table[bucket])
            if slot < 0 { return nil }
            if nodes[slot].hash == hash, nodes[slot].key == key { return (bucket, slot) }
            bucket = (bucket + 1) & mask
        }
    }

    /// The bucket that points at node `slot` (which must be in the table).
    @inline(__always)
    private func bucket(of slot: Int) -> Int {
        let mask = self.mask
        var bucket = nodes[slot].hash & mask
        while Int(table[bucket]) != slot { bucket = (bucket + 1) & mask }
        return bucket
    }

    @inline(__always)
    private mutating func insertIntoTable(node slot: Int, hash: Int) {
        let mask = self.mask
        var bucket = hash & mask
        while table[bucket] >= 0 { bucket = (bucket + 1) & mask }
        table[bucket] = Int32(slot)
    }

    private mutating func removeFromTable(node slot: Int) {
        removeFromTable(bucket: bucket(of: slot))
    }

    /// Empties `bucket` and shifts later entries of its probe run back (using the stored hashes), so that every
    /// entry stays reachable from its home bucket without tombstones.
    private mutating func removeFromTable(bucket removed: Int) {
        let mask = self.mask
        var hole = removed
        var bucket = removed
        while true {
            bucket = (bucket + 1) & mask
            let slot = Int(table[bucket])
            if slot < 0 { break }
            let home = nodes[slot].hash & mask
            // The entry may move into the hole when its home is not cyclically within (hole, bucket].
            let distanceToBucket = (bucket &- home) & mask
            let distanceToHole = (bucket &- hole) & mask
            if distanceToHole <= distanceToBucket {
                table[hole] = table[bucket]
                hole = bucket
            }
        }
        table[hole] = -1
    }

    /// Doubles the table until `count` entries fill at most half of it. (Node indices fit `Int32`: two billion
    /// nodes would not fit in memory.)
    private mutating func growTable(toHold count: Int) {
        guard count * 2 > table.count else { return }
        var size = max(16, table.count)
        while count * 2 > size { size *= 2 }
        table = Array(repeating: -1, count: size)
        for slot in nodes.indices { insertIntoTable(node: slot, hash: nodes[slot].hash) }
    }

    // MARK: - Nodes

    /// Unlinks node `slot` (at table bucket `bucket`) and moves its value out; the last node fills its place.
    private mutating func remove(_ slot: Int, bucket: Int) -> Value? {
        removeFromTable(bucket: bucket)
        unlink(slot)
        let last = nodes.count - 1
        if slot != last {
            // The last node moves into the freed slot: its bucket and neighbours now point there.
            table[self.bucket(of: last)] = Int32(slot)
            nodes.withUnsafeMutableBufferPointer { $0.swapAt(slot, last) }
            let previous = nodes[slot].previous
            let next = nodes[slot].next
            if previous >= 0 { nodes[previous].next = slot } else { head = slot }
            if next >= 0 { nodes[next].previous = slot } else { tail = slot }
        }
        // Moved out of the node in place (taking a whole node and then its value would copy the value).
        let value = nodes[nodes.count - 1].value.take()
        nodes.removeLast()
        return value
    }

    private mutating func unlink(_ slot: Int) {
        let previous = nodes[slot].previous
        let next = nodes[slot].next
        if previous >= 0 { nodes[previous].next = next } else { head = next }
        if next >= 0 { nodes[next].previous = previous } else { tail = previous }
        nodes[slot].previous = -1
        nodes[slot].next = -1
    }

    private mutating func linkAtFront(_ slot: Int) {
        nodes[slot].previous = -1
        nodes[slot].next = head
        if head >= 0 { nodes[head].previous = slot }
        head = slot
        if tail < 0 { tail = slot }
    }

    private mutating func moveToFront(_ slot: Int) {
        guard head != slot else { return }
        unlink(slot)
        linkAtFront(slot)
    }
}
