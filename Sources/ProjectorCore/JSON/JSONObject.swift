/// A JSON object that keeps its keys in insertion order.
///
/// Small objects (the common case for events and documents) are searched linearly;
/// larger ones get a hash index on first need. Equality ignores key order, as JSON does.
public struct JSONObject: Sendable {
    @usableFromInline var keyList: [String]
    @usableFromInline var valueList: [JSONValue]
    @usableFromInline var index: [String: Int]?

    @usableFromInline static let indexThreshold = 12

    /// An empty object.
    @inlinable
    public init() {
        keyList = []
        valueList = []
        index = nil
    }

    /// An empty object with room for `capacity` members.
    @inlinable
    public init(minimumCapacity capacity: Int) {
        self.init()
        keyList.reserveCapacity(capacity)
        valueList.reserveCapacity(capacity)
    }

    /// An object from parallel key and value lists; `keys` must be distinct. The arrays are adopted as they are
    /// (a shared key list costs no copy).
    @inlinable
    init(distinctKeys keys: [String], values: [JSONValue]) {
        keyList = keys
        valueList = values
        index = nil
        rebuildIndexIfNeeded()
    }

    /// An object from key/value pairs; a later duplicate key replaces the earlier value.
    @inlinable
    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        self.init()
        for (key, value) in pairs { self[key] = value }
    }

    /// Number of members.
    @inlinable public var count: Int { keyList.count }
    /// True when there are no members.
    @inlinable public var isEmpty: Bool { keyList.isEmpty }
    /// Keys in order.
    @inlinable public var keys: [String] { keyList }
    /// Values in key order.
    @inlinable public var values: [JSONValue] { valueList }

    @inlinable
    func position(of key: String) -> Int? {
        if let index { return index[key] }
        return keyList.firstIndex(of: key)
    }

    @inlinable
    mutating func rebuildIndexIfNeeded() {
        guard keyList.count > Self.indexThreshold else {
            index = nil
            return
        }
        var built = [String: Int](minimumCapacity: keyList.count)
        for (offset, key) in keyList.enumerated() { built[key] = offset }
        index = built
    }

    /// The value for `key`; assigning `nil` removes the member.
    @inlinable
    public subscript(key: String) -> JSONValue? {
        get {
            guard let position = position(of: key) else { return nil }
            return valueList[position]
        }
        set {
            if let position = position(of: key) {
                if let newValue {
                    valueList[position] = newValue
                } else {
                    keyList.remove(at: position)
                    valueList.remove(at: position)
                    rebuildIndexIfNeeded()
                }
            } else if let newValue {
                keyList.append(key)
                valueList.append(newValue)
                if index != nil {
                    index?[key] = keyList.count - 1
                } else if keyList.count > Self.indexThreshold {
                    rebuildIndexIfNeeded()
                }
            }
        }
    }

    /// Sets `key` like the subscript (`nil` removes it); when `key` is new, the member lists first get room for
    /// `extra` more new members too, so that a run of additions copies a shared key list or grows the values once.
    @inlinable
    mutating func setValue(_ value: JSONValue?, forKey key: String, roomForMore extra: Int) {
        if value != nil, index == nil, !keyList.contains(key) {
            keyList.reserveCapacity(keyList.count + 1 + extra)
            valueList.reserveCapacity(valueList.count + 1 + extra)
        }
        self[key] = value
    }

    /// A copy with `key` (which must not be present) appended, built at its exact size.
    @inlinable
    func appending(newKey key: String, value: JSONValue) -> JSONObject {
        var keys: [String] = []
        keys.reserveCapacity(keyList.count + 1)
        keys.append(contentsOf: keyList)
        keys.append(key)
        return appending(newKey: key, value: value, keysWithNewKey: keys)
    }

    /// A copy with `key` (which must not be present) appended, adopting `keys` (the key list followed by `key`,
    /// e.g. one list shared by many documents) instead of building it.
    @inlinable
    func appending(newKey key: String, value: JSONValue, keysWithNewKey keys: [String]) -> JSONObject {
        var values: [JSONValue] = []
        values.reserveCapacity(valueList.count + 1)
        // Member by member: `append(contentsOf:)` copies through the generic runtime, one witness call per member.
        valueList.withUnsafeBufferPointer { members in
            for member in members { values.append(member) }
        }
        values.append(value)
        var copy = JSONObject()
        copy.keyList = keys
        copy.valueList = values
        if var built = index {
            built[key] = keys.count - 1
            copy.index = built
        } else {
            copy.rebuildIndexIfNeeded()
        }
        return copy
    }

    /// Makes this object (a stored form built by ``appending(newKey:value:keysWithNewKey:)``) equal to `members`
    /// followed by the metadata member `last`, reusing its member lists: in place when nobody else holds them.
    /// False, leaving it unchanged, when its keys are not `keys` (the key list of `members` followed by the
    /// metadata key).
    mutating func refill(members: JSONObject, keysWithNewKey keys: [String], last: DocumentMetadata) -> Bool {
        let count = members.valueList.count
        guard valueList.count == count + 1, keyList == keys else { return false }
        keyList = keys
        valueList.withUnsafeMutableBufferPointer { target in
            members.valueList.withUnsafeBufferPointer { source in
                for offset in source.indices { target[offset] = source[offset] }
            }
            last.write(into: &target[count])
        }
        return true
    }

    /// Removes the last member (there must be one) and returns its value; in place when nobody else holds the
    /// member lists.
    @inlinable
    mutating func removeLastMember() -> JSONValue {
        let removedKey = keyList.removeLast()
        return removeLastValue(ofKey: removedKey)
    }

    /// Removes the last member (there must be one) and returns its value, adopting `remainingKeys` (the key list
    /// without its last key, e.g. one list shared by many documents) instead of shortening the key list. The
    /// values are shortened in place when nobody else holds them.
    @inlinable
    mutating func removeLastMember(remainingKeys: [String]) -> JSONValue {
        let removedKey = keyList[keyList.count - 1]
        keyList = remainingKeys
        return removeLastValue(ofKey: removedKey)
    }

    /// Second half of removing the last member once the key list is shortened: its value, and `key` from the
    /// index.
    @inlinable
    mutating func removeLastValue(ofKey key: String) -> JSONValue {
        let value = valueList.removeLast()
        if index != nil {
            if keyList.count > Self.indexThreshold {
                index?.removeValue(forKey: key)
            } else {
                index = nil
            }
        }
        return value
    }

    /// Removes `key` and returns its value.
    @inlinable
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        let old = self[key]
        self[key] = nil
        return old
    }

    /// Members in order.
    @inlinable
    public var members: Zip2Sequence<[String], [JSONValue]> { zip(keyList, valueList) }
}

extension JSONObject: Sequence {
    public typealias Element = (key: String, value: JSONValue)

    public struct Iterator: IteratorProtocol {
        @usableFromInline let object: JSONObject
        @usableFromInline var offset = 0

        @inlinable init(object: JSONObject) { self.object = object }

        @inlinable
        public mutating func next() -> (key: String, value: JSONValue)? {
            guard offset < object.keyList.count else { return nil }
            defer { offset += 1 }
            return (object.keyList[offset], object.valueList[offset])
        }
    }

    @inlinable
    public func makeIterator() -> Iterator { Iterator(object: self) }

    @inlinable
    public var underestimatedCount: Int { keyList.count }
}

extension JSONObject: Equatable {
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in lhs {
            guard let other = rhs[key], other == value else { return false }
        }
        return true
    }
}

extension JSONObject: Hashable {
    public func hash(into hasher: inout Hasher) {
        // Order-independent: combine per-member hashes commutatively.
        var combined = 0
        for (key, value) in self {
            var member = Hasher()
            member.combine(key)
            member.combine(value)
            combined ^= member.finalize()
        }
        hasher.combine(count)
        hasher.combine(combined)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}
