/// Finds ASCII markers in response bodies without decoding them.
enum ByteSearch {
    /// The first of `needles` that occurs in `haystack`, or `nil`.
    static func contains(_ haystack: some Collection<UInt8>, any needles: [String]) -> String? {
        let bytes = Array(haystack)
        return needles.first { self.contains(bytes, Array($0.utf8)) }
    }

    private static func contains(_ bytes: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, bytes.count >= needle.count else { return false }
        var index = 0
        while index + needle.count <= bytes.count {
            if bytes[index] == first, bytes[index..<index + needle.count].elementsEqual(needle) {
                return true
            }
            index += 1
        }
        return false
    }
}
