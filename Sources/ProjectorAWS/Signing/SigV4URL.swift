import Foundation

/// The parts of a request URL that SigV4 signs, split by hand so that any string the caller sends on the wire
/// (including spaces or raw UTF-8 in the path) is accepted as it is.
struct SigV4URL {
    /// `host` or `host:port` (the port only when it is not the scheme's default), as an HTTP client sends it
    /// in `Host`; `nil` when the URL has no authority (a bare path).
    var host: String?
    /// The path as sent, `/` when empty.
    var path: Substring.UTF8View
    /// The query without `?`, empty when there is none. Fragments are dropped.
    var query: Substring.UTF8View

    init(_ url: String) {
        var rest = Substring(url)
        self.host = nil
        if let schemeEnd = rest.range(of: "://") {
            let scheme = rest[..<schemeEnd.lowerBound].lowercased()
            rest = rest[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
            self.host = Self.hostHeader(authority: rest[..<authorityEnd], scheme: scheme)
            rest = rest[authorityEnd...]
        }
        if let fragment = rest.firstIndex(of: "#") {
            rest = rest[..<fragment]
        }
        if let question = rest.firstIndex(of: "?") {
            self.path = rest[..<question].utf8
            self.query = rest[rest.index(after: question)...].utf8
        } else {
            self.path = rest.utf8
            self.query = Substring().utf8
        }
    }

    private static func hostHeader(authority: Substring, scheme: String) -> String {
        var hostPort = authority
        if let at = hostPort.lastIndex(of: "@") {
            hostPort = hostPort[hostPort.index(after: at)...]
        }
        // The port follows the last colon, unless that colon is inside an IPv6 literal `[…]`.
        guard let colon = hostPort.lastIndex(of: ":"), !hostPort[colon...].contains("]") else {
            return String(hostPort)
        }
        let port = hostPort[hostPort.index(after: colon)...]
        let defaultPort = scheme == "https" ? "443" : scheme == "http" ? "80" : ""
        return port.isEmpty || port == defaultPort ? String(hostPort[..<colon]) : String(hostPort)
    }
}
