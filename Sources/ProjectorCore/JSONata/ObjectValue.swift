extension JSONata {
    /// An object built during evaluation: ordered keys, values that may be functions.
    struct ObjectValue {
        private(set) var keys: [String] = []
        private(set) var values: [Value] = []
        private var index: [String: Int]?
        /// Up to this many keys a linear search of short strings beats hashing.
        private static let indexThreshold = 24

        init() {}

        init(minimumCapacity: Int) {
            keys.reserveCapacity(minimumCapacity)
            values.reserveCapacity(minimumCapacity)
        }

        init(_ object: JSONObject) {
            keys = object.keys
            values = object.values.map(Value.init)
            if keys.count > Self.indexThreshold { rebuildIndex() }
        }

        var count: Int { keys.count }

        private func position(of key: String) -> Int? {
            if let index { return index[key] }
            return keys.firstIndex(of: key)
        }

        private mutating func rebuildIndex() {
            var built = [String: Int](minimumCapacity: keys.count)
            for (offset, key) in keys.enumerated() { built[key] = offset }
            index = built
        }

        subscript(key: String) -> Value? {
            get {
                guard let position = position(of: key) else { return nil }
                return values[position]
            }
            set {
                if let position = position(of: key) {
                    if let newValue {
                        values[position] = newValue
                    } else {
                        keys.remove(at: position)
                        values.remove(at: position)
                        if index != nil { rebuildIndex() }
                    }
                } else if let newValue {
                    keys.append(key)
                    values.append(newValue)
                    if index != nil {
                        index?[key] = keys.count - 1
                    } else if keys.count > Self.indexThreshold {
                        rebuildIndex()
                    }
                }
            }
        }

        var entries: Zip2Sequence<[String], [Value]> { zip(keys, values) }
    }
}
