import NIOHTTP1

/// One request to OpenSearch, as the client sends (and possibly re-sends) it.
struct OpenSearchRequest: Sendable {
    var method: HTTPMethod
    /// The path below the base URL, starting with `/`, segments already percent-encoded.
    var path: String
    /// Query parameters, unencoded.
    var query: [(String, String)] = []
    var body: [UInt8]? = nil
    var contentType = "application/json"
    /// For errors and logs: `bulk`, `mget`, `create index`…
    var operation: String
    /// For errors and logs.
    var index: String? = nil

    /// `path?query`, query values percent-encoded.
    var target: String {
        guard !self.query.isEmpty else { return self.path }
        let pairs = self.query.map { "\(PathEncoding.encode($0.0))=\(PathEncoding.encode($0.1))" }
        return self.path + "?" + pairs.joined(separator: "&")
    }
}

/// Percent-encoding of path segments and query parts: everything but RFC 3986 unreserved characters
/// (and `*` and `,`, which OpenSearch paths use for patterns and lists).
enum PathEncoding {
    static func encode(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"), UInt8(ascii: "*"), UInt8(ascii: ","):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                result.unicodeScalars.append("%")
                result.unicodeScalars.append(hex[Int(byte >> 4)])
                result.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return result
    }

    /// `/<segment>/<segment>…` from unencoded segments.
    static func path(_ segments: String...) -> String {
        "/" + segments.map(encode).joined(separator: "/")
    }
}
