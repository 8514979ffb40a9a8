extension SigV4Signer {
    /// Headers that are never signed: hop-by-hop headers a proxy may rewrite, and headers tools add on their own
    /// (botocore's list).
    static let unsignedHeaders: Set<String> = [
        "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    /// The canonical URI: the path as sent, optionally normalised, each segment percent-encoded (again).
    func canonicalURI(_ path: Substring.UTF8View) -> String {
        guard !path.isEmpty else { return "/" }
        guard self.normalizesPath else {
            return URIEncoding.encode(path, keepSlash: true)
        }
        return URIEncoding.encode(Self.normalizedPath(path), keepSlash: true)
    }

    /// Removes `.` and `..` segments (RFC 3986 §5.2.4) and empty segments (repeated slashes), keeping a leading
    /// and, when anything is left, a trailing slash — the rules of the AWS test suite and botocore.
    static func normalizedPath(_ path: Substring.UTF8View) -> [UInt8] {
        var segments: [Substring.UTF8View.SubSequence] = []
        for segment in path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if segment.elementsEqual(".".utf8) {
                continue
            } else if segment.elementsEqual("..".utf8) {
                _ = segments.popLast()
            } else {
                segments.append(segment)
            }
        }
        var output: [UInt8] = []
        if path.first == UInt8(ascii: "/") {
            output.append(UInt8(ascii: "/"))
        }
        for (index, segment) in segments.enumerated() {
            if index > 0 {
                output.append(UInt8(ascii: "/"))
            }
            output.append(contentsOf: segment)
        }
        if path.last == UInt8(ascii: "/"), !segments.isEmpty {
            output.append(UInt8(ascii: "/"))
        }
        return output.isEmpty ? [UInt8(ascii: "/")] : output
    }

    /// The canonical query: every `key=value` pair decoded and re-encoded (RFC 3986), sorted by key then value.
    static func canonicalQuery(_ query: Substring.UTF8View) -> String {
        guard !query.isEmpty else { return "" }
        var pairs: [(key: String, value: String)] = []
        for item in query.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = item.firstIndex(of: UInt8(ascii: "=")) ?? item.endIndex
            let key = URIEncoding.encode(URIEncoding.decode(item[..<equals]))
            let value =
                equals == item.endIndex
                ? "" : URIEncoding.encode(URIEncoding.decode(item[item.index(after: equals)...]))
            pairs.append((key, value))
        }
        // Encoded strings are ASCII, so comparing their UTF-8 bytes is the byte order the specification asks for.
        pairs.sort {
            $0.key == $1.key
                ? $0.value.utf8.lexicographicallyPrecedes($1.value.utf8)
                : $0.key.utf8.lexicographicallyPrecedes($1.key.utf8)
        }
        return pairs.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
    }

    /// The canonical header block (`name:value\n` per header, sorted by lower-cased name, values trimmed, runs of
    /// white space collapsed, repeated headers joined by `,` in their order) and the signed-header list.
    static func canonicalHeaders(_ headers: [(String, String)]) -> (block: String, names: String) {
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            let lowered = name.lowercased()
            guard !self.unsignedHeaders.contains(lowered) else { continue }
            values[lowered, default: []].append(self.collapsedWhitespace(value))
        }
        let names = values.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var block = ""
        for name in names {
            block += name + ":" + (values[name] ?? []).joined(separator: ",") + "\n"
        }
        return (block, names.joined(separator: ";"))
    }

    /// Trims a header value and replaces every run of spaces, tabs and line breaks by one space.
    static func collapsedWhitespace(_ value: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(value.utf8.count)
        var pendingSpace = false
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"):
                pendingSpace = !output.isEmpty
            default:
                if pendingSpace {
                    output.append(UInt8(ascii: " "))
                    pendingSpace = false
                }
                output.append(byte)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
