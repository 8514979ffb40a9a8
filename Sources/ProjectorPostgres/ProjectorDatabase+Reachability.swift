import Logging
import PostgresNIO
import ProjectorCore

extension ProjectorDatabase {
    /// Opens and closes one connection, so that a one-shot command stops at once with a clear
    /// one-line error when the server cannot be reached or refuses the login, instead of after
    /// the pool's reconnect attempts give up.
    ///
    /// - Throws: ``ProjectorPostgresError`` `connectionFailed` naming the (redacted) URL and why.
    public func checkReachable() async throws {
        var quiet = logger
        quiet.logLevel = .critical
        do {
            let connection = try await PostgresConnection.connect(
                configuration: try connectionConfiguration(), id: 0, logger: quiet)
            try await connection.close()
        } catch let error as ProjectorPostgresError {
            throw error
        } catch {
            throw ProjectorPostgresError(
                .connectionFailed, "cannot connect to \(url): \(Self.connectionFailureReason(error))")
        }
    }

    /// Why a connection attempt failed, in a few words (PostgresNIO's own descriptions are long
    /// and hide the cause on purpose).
    static func connectionFailureReason(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)".oneLine() }
        if error.code == .server {
            return error.serverInfo?[.message] ?? "the server refused the connection"
        }
        if error.code == .sslUnsupported {
            return
                "the server does not accept TLS, but sslmode asks for it (sslmode=disable or enable ssl on the server)"
        }
        if error.code == .serverClosedConnection { return "the server closed the connection" }
        guard let underlying = error.underlying else { return "\(error.code)" }
        let text = String(describing: underlying)
        let known: [(needle: String, reason: String)] = [
            ("Connection refused", "connection refused (is PostgreSQL running and listening there?)"),
            ("connectTimeout", "timed out (postgres.connect_timeout)"),
            ("Timeout", "timed out (postgres.connect_timeout)"),
            ("Name or service not known", "unknown host name"),
            ("No address associated", "unknown host name"),
            ("Network is unreachable", "network unreachable"),
            ("certificate", "TLS certificate verification failed: " + text.oneLine()),
            ("handshake", "TLS handshake failed: " + text.oneLine()),
        ]
        return known.first { text.contains($0.needle) }?.reason ?? text.oneLine()
    }
}
