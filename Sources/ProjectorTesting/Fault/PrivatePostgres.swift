public import Foundation
public import ProjectorCore

/// A PostgreSQL cluster of one's own for tests that restart, reconfigure or break the server:
/// own data folder, own loopback port, started by `scripts/private-postgres`. Authentication is
/// `trust` except for members of the role `password_users` (SCRAM). Use
/// ``with(certificates:requireSSL:_:)``, which removes the cluster afterwards.
public struct PrivatePostgres: Sendable {
    /// Holds the data folder, the log and `env`.
    public let folder: URL
    /// The loopback TCP port the cluster listens on.
    public let port: Int

    static var script: String {
        CommandRunner.repositoryRoot.appendingPathComponent("scripts/private-postgres").path
    }

    /// The superuser URL (`postgres`, database `projector_test`, no TLS).
    public var url: DatabaseURL {
        get throws { try DatabaseURL(parsing: urlString()) }
    }

    /// A URL to this cluster as text, for configuration files and environment variables.
    public func urlString(
        user: String = "postgres",
        password: String? = nil,
        host: String = "127.0.0.1",
        query: String = "sslmode=disable"
    ) -> String {
        let credentials = password.map { "\(user):\($0)" } ?? user
        return "postgres://\(credentials)@\(host):\(port)/projector_test?\(query)"
    }

    /// Creates and starts a cluster; with `certificates` it runs with `ssl = on`, and with `requireSSL`
    /// too it refuses TCP connections without TLS (`hostssl` lines only in `pg_hba.conf`).
    public static func start(certificates: TestCertificates? = nil, requireSSL: Bool = false) async throws
        -> PrivatePostgres
    {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "projector-pg-\(TestServers.uniqueSuffix())")
        var arguments = ["start", folder.path]
        if let certificates {
            arguments += [certificates.certificateFile, certificates.keyFile] + (requireSSL ? ["hostssl"] : [])
        }
        let output: String
        do {
            output = try await CommandRunner.run(script, arguments)
        } catch {
            _ = try? await CommandRunner.run(script, ["stop", folder.path])
            throw error
        }
        let portLine = output.split(separator: "\n").first { $0.hasPrefix("export PRIVATE_PG_PORT=") }
        guard let port = portLine.flatMap({ Int($0.dropFirst("export PRIVATE_PG_PORT=".count)) }) else {
            _ = try? await CommandRunner.run(script, ["stop", folder.path])
            throw FaultError(.badOutput, "no port in '\(output)'", context: "scripts/private-postgres start")
        }
        return PrivatePostgres(folder: folder, port: port)
    }

    /// `pg_ctl restart -m fast`: every client connection is dropped; returns once the server accepts again.
    public func restart() async throws {
        try await CommandRunner.run(Self.script, ["restart", folder.path])
    }

    /// Stops the server at once and removes its folder.
    public func stop() async {
        _ = try? await CommandRunner.run(Self.script, ["stop", folder.path])
    }

    /// The server's log (for diagnosing a failed test).
    public var serverLog: String {
        (try? String(contentsOf: folder.appendingPathComponent("postgres.log"), encoding: .utf8)) ?? ""
    }

    /// Starts a cluster (see ``start(certificates:requireSSL:)``), runs `body`, stops and removes the cluster
    /// (also when `body` throws).
    public static func with<Result>(
        certificates: TestCertificates? = nil,
        requireSSL: Bool = false,
        _ body: (PrivatePostgres) async throws -> Result
    ) async throws -> Result {
        let server = try await start(certificates: certificates, requireSSL: requireSSL)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }
}
