extension JSONata {
    /// An array built during evaluation, with the flags JSONata keeps on sequences.
    struct ArrayValue {
        struct Flags: OptionSet {
            let rawValue: UInt8
            /// A result sequence (flattened, singleton-unwrapped on return).
            static let sequence = Flags(rawValue: 1)
            /// Keep a one-element sequence as an array (`[]` suffix).
            static let keepSingleton = Flags(rawValue: 2)
            /// Built by an array constructor: never flattened by a path step.
            static let cons = Flags(rawValue: 4)
            /// A stream of tuples (objects binding `@` and focus/index/ancestor variables).
            static let tupleStream = Flags(rawValue: 8)
            static let outerWrapper = Flags(rawValue: 16)
        }

        var items: [Value]
        var flags: Flags

        init(_ items: [Value] = [], flags: Flags = []) {
            self.items = items
            self.flags = flags
        }

        static func sequence(_ items: [Value] = []) -> ArrayValue { ArrayValue(items, flags: .sequence) }

        var isSequence: Bool { flags.contains(.sequence) }
        var count: Int { items.count }
    }
}
