/// A bounded least-recently-used map. Not thread-safe: each projection worker owns one.
///
/// Nodes live in one array and link by index, so lookups and updates allocate nothing
/// once the cache is full (the slot of the evicted entry is reused).
public struct LRUCache<Key: Hashable, Value> {
    private struct Node {
        var key: Key
        var value: Value
        var previous: Int
        var next: Int
    }

    /// The most entries kept; inserting beyond it evicts the least recently used.
    public let capacity: Int
    private var slots: [Key: Int] = [:]
    private var nodes: [Node] = []
    private var head = -1  // most recently used
    private var tail = -1  // least recently used

    /// Creates an empty cache holding at most `capacity` entries (must be positive; traps otherwise).
    public init(capacity: Int) {
        precondition(capacity > 0, "cache capacity must be positive")
        self.capacity = capacity
    }

    /// Number of entries.
    public var count: Int { slots.count }

    /// The value for `key`, marking it most recently used.
    public mutating func value(forKey key: Key) -> Value? {
        guard let slot = slots[key] else { return nil }
        moveToFront(slot)
        return nodes[slot].value
    }

    /// Inserts or replaces the value for `key`, marking it most recently used.
    public mutating func setValue(_ value: Value, forKey key: Key) {
        if let slot = slots[key] {
            nodes[slot].value = value
            moveToFront(slot)
            return
        }
        let slot: Int
        if slots.count >= capacity, tail >= 0 {
            slot = tail
            unlink(slot)
            slots[nodes[slot].key] = nil
            nodes[slot] = Node(key: key, value: value, previous: -1, next: -1)
        } else {
            slot = nodes.count
            nodes.append(Node(key: key, value: value, previous: -1, next: -1))
        }
        slots[key] = slot
        linkAtFront(slot)
    }

    /// Removes and returns the value for `key` (the caller then holds the only copy).
    public mutating func take(forKey key: Key) -> Value? {
        guard let slot = slots[key] else { return nil }
        let value = nodes[slot].value
        removeValue(forKey: key)
        return value
    }

    /// Forgets `key`. Its slot stays allocated until reused.
    public mutating func removeValue(forKey key: Key) {
        guard let slot = slots.removeValue(forKey: key) else { return }
        unlink(slot)
        // Move the last node into the freed slot so `nodes` stays dense.
        let last = nodes.count - 1
        if slot != last {
            let moved = nodes[last]
            nodes[slot] = moved
            slots[moved.key] = slot
            if moved.previous >= 0 { nodes[moved.previous].next = slot } else { head = slot }
            if moved.next >= 0 { nodes[moved.next].previous = slot } else { tail = slot }
        }
        nodes.removeLast()
    }

    /// Forgets everything.
    public mutating func removeAll() {
        slots.removeAll(keepingCapacity: true)
        nodes.removeAll(keepingCapacity: true)
        head = -1
        tail = -1
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
