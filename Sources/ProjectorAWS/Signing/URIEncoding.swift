/// RFC 3986 percent-encoding as SigV4 defines it: every byte except the unreserved characters
/// `A-Z a-z 0-9 - . _ ~` becomes `%XX` with upper-case hex digits.
enum URIEncoding {
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Encodes `bytes`, leaving `/` alone when `keepSlash` is set (paths).
    static func encode(_ bytes: some Sequence<UInt8>, keepSlash: Bool = false, into output: inout [UInt8]) {
        for byte in bytes {
            if self.isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                output.append(byte)
            } else {
                output.append(UInt8(ascii: "%"))
                output.append(Hex.upper[Int(byte >> 4)])
                output.append(Hex.upper[Int(byte & 0x0F)])
            }
        }
    }

    static func encode(_ bytes: some Sequence<UInt8>, keepSlash: Bool = false) -> String {
        var output: [UInt8] = []
        self.encode(bytes, keepSlash: keepSlash, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes `%XX` sequences; a `%` not followed by two hex digits stays as it is. `+` is not a space.
    static func decode(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                let first = bytes.index(after: index)
                if first != bytes.endIndex, bytes.index(after: first) != bytes.endIndex,
                    let high = Hex.value(bytes[first]), let low = Hex.value(bytes[bytes.index(after: first)])
                {
                    output.append(high << 4 | low)
                    index = bytes.index(first, offsetBy: 2)
                    continue
                }
            }
            output.append(byte)
            index = bytes.index(after: index)
        }
        return output
    }
}

/// Hexadecimal digits.
enum Hex {
    static let lower: [UInt8] = Array("0123456789abcdef".utf8)
    static let upper: [UInt8] = Array("0123456789ABCDEF".utf8)

    static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Lower-case hex of `bytes`, as SigV4 writes hashes and signatures.
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        for byte in bytes {
            output.append(self.lower[Int(byte >> 4)])
            output.append(self.lower[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}
