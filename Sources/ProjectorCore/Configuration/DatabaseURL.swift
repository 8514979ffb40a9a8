/// A PostgreSQL connection URL, `postgres://user:password@host:port/database?sslmode=…`.
///
/// `description` redacts the password, so the value is safe to log or print.
public struct DatabaseURL: Sendable, Hashable, CustomStringConvertible {
    /// libpq's `sslmode`; `prefer` when absent.
    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        /// No TLS.
        case disable
        /// Treated like ``prefer`` (TLS when the server offers it).
        case allow
        /// TLS when the server offers it, else plain; the certificate is not verified.
        case prefer
        /// TLS required; the certificate is not verified.
        case require
        /// TLS required; the certificate must chain to a trusted CA, the host name is not checked.
        case verifyCA = "verify-ca"
        /// TLS required; the certificate must chain to a trusted CA and match the host name.
        case verifyFull = "verify-full"
    }

    /// The user name; `postgres` when the URL names none.
    public var username: String
    /// The password, when given. Never printed (see ``description``).
    public var password: String?
    /// Host name or address; for a Unix socket, the socket directory (`?host=/run/postgresql`).
    public var host: String
    /// The TCP port (default 5432).
    public var port: Int
    /// The database name; `nil` when the URL has no path or `dbname`.
    public var database: String?
    /// The `sslmode` parameter (default ``SSLMode/prefer``).
    public var sslMode: SSLMode
    /// `sslrootcert`: a CA bundle file for `verify-ca` / `verify-full`.
    public var rootCertificatePath: String?
    /// `application_name`, when given.
    public var applicationName: String?

    /// Parses a URL; the error message says what is wrong without repeating the password.
    public init(parsing text: String) throws(DatabaseURLError) {
        let schemes = ["postgres://", "postgresql://"]
        guard let scheme = schemes.first(where: { text.hasPrefix($0) }) else {
            throw DatabaseURLError(message: "expected a URL starting with postgres:// or postgresql://")
        }
        var rest = Substring(text.dropFirst(scheme.count))
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var userInfo: Substring? = nil
        if let at = rest.lastIndex(of: "@") {
            userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }
        username = "postgres"
        password = nil
        if let userInfo {
            if let colon = userInfo.firstIndex(of: ":") {
                username = try Self.decode(userInfo[..<colon], part: "user name")
                password = try Self.decode(userInfo[userInfo.index(after: colon)...], part: "password")
            } else {
                username = try Self.decode(userInfo, part: "user name")
            }
        }
        (host, port) = try Self.hostAndPort(rest)
        database = path.isEmpty ? nil : try Self.decode(path, part: "database name")
        sslMode = .prefer
        rootCertificatePath = nil
        applicationName = nil
        for parameter in query.split(separator: "&") where !parameter.isEmpty {
            let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0])
            let value = try Self.decode(pair.count > 1 ? pair[1] : "", part: "parameter \(name)")
            switch name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    let modes = SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw DatabaseURLError(message: "sslmode '\(value)' is not one of \(modes)")
                }
                sslMode = mode
            case "sslrootcert": rootCertificatePath = value
            case "application_name": applicationName = value
            case "host": host = value
            case "port":
                guard let number = Int(value), (1...65535).contains(number) else {
                    throw DatabaseURLError(message: "port '\(value)' is not a number between 1 and 65535")
                }
                port = number
            case "user": username = value
            case "dbname": database = value
            case "connect_timeout", "target_session_attrs": continue
            default:
                throw DatabaseURLError(message: "unsupported parameter '\(name)'")
            }
        }
        if host.isEmpty { host = "localhost" }
    }

    private static func hostAndPort(_ text: Substring) throws(DatabaseURLError) -> (String, Int) {
        var hostPart = text
        var portPart: Substring? = nil
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            hostPart = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() }
        } else if let colon = text.lastIndex(of: ":") {
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        var port = 5432
        if let portPart {
            guard let number = Int(portPart), (1...65535).contains(number) else {
                throw DatabaseURLError(message: "port '\(portPart)' is not a number between 1 and 65535")
            }
            port = number
        }
        return (try decode(hostPart, part: "host"), port)
    }

    /// Percent-decodes one URL component.
    private static func decode(_ text: Substring, part: String) throws(DatabaseURLError) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw DatabaseURLError(message: "bad percent-encoding in the \(part)")
            }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// True when `host` names a Unix socket directory.
    public var isUnixSocket: Bool { host.hasPrefix("/") }

    /// The URL with the password replaced by `***`.
    public var description: String {
        let credentials = password == nil ? username : "\(username):***"
        let hostText = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(credentials)@\(hostText):\(port)/\(database ?? "")?sslmode=\(sslMode.rawValue)"
    }
}

/// Why a database URL could not be parsed. Never contains the password.
public struct DatabaseURLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the URL, without the password.
    public var message: String
    /// The same text as ``message``.
    public var description: String { message }
}
