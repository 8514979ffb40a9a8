/// A hash that is the same in every process and release (FNV-1a, 64 bit), for advisory lock keys.
enum StableHash {
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The signed 64-bit key for `pg_advisory_lock(bigint)`.
    static func lockKey(_ text: String) -> Int64 { Int64(bitPattern: fnv1a(text)) }
}
