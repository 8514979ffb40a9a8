import Foundation
import Logging
import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorTesting
import Testing

/// TESTPLAN 29 for PostgreSQL: the `sslmode` / `sslrootcert` of `postgres.url` mean what they mean
/// to libpq, through the product's own connection settings (`DatabaseURL.clientConfiguration` for
/// the pool, `connectionConfiguration` for LISTEN and leases). A private cluster runs with a
/// certificate for `localhost` signed by a test CA and accepts TCP connections over TLS only.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct PostgresTLSTests {
    static let logger = Logger(label: "projector.tls-test")

    /// The URL of `server` reached as `host` with `query`.
    static func url(_ server: PrivatePostgres, host: String, _ query: String) throws -> DatabaseURL {
        try DatabaseURL(parsing: server.urlString(host: host, query: query))
    }

    /// Whether the session runs over TLS, asked through a dedicated connection made from `url`.
    static func dedicatedSessionIsEncrypted(_ url: DatabaseURL) async throws -> Bool {
        let connection = try await PostgresConnection.connect(
            configuration: try url.connectionConfiguration(connectTimeout: .seconds(5)), id: 1, logger: logger)
        defer { Task { try? await connection.close() } }
        let rows = try await connection.query(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: logger)
        for try await ssl in rows.decode(Bool.self) { return ssl }
        return false
    }

    /// The same through the pooled client of `ProjectorDatabase`.
    static func pooledSessionIsEncrypted(_ url: DatabaseURL) async throws -> Bool {
        var configuration = ProjectorConfiguration()
        configuration.postgres.url = url
        configuration.postgres.connectTimeout = .seconds(5)
        return try await ProjectorDatabase.withDatabase(configuration: configuration, logger: logger) { database in
            let rows = try await database.client.query(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: logger)
            for try await ssl in rows.decode(Bool.self) { return ssl }
            return false
        }
    }

    /// The error a dedicated connection from `url` fails with, in full (`nil` if it connects).
    static func connectionFailure(_ url: DatabaseURL) async -> String? {
        do {
            _ = try await dedicatedSessionIsEncrypted(url)
            return nil
        } catch {
            return String(reflecting: error)
        }
    }

    @Test func sslModesVerifyWhatLibpqVerifies() async throws {
        let folder = try CommandRunner.temporaryFolder("projector-pg-tls")
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificates = try await TestCertificates.make(in: folder, hostName: "localhost")
        let strangerFolder = folder.appendingPathComponent("stranger")
        try FileManager.default.createDirectory(at: strangerFolder, withIntermediateDirectories: true)
        let stranger = try await TestCertificates.make(in: strangerFolder, hostName: "localhost")

        try await PrivatePostgres.with(certificates: certificates, requireSSL: true) { server in
            let trusted = "sslrootcert=\(certificates.caFile)"
            // verify-full with the CA and the name on the certificate: connects, encrypted, on both paths.
            let full = try Self.url(server, host: "localhost", "sslmode=verify-full&\(trusted)")
            #expect(try await Self.dedicatedSessionIsEncrypted(full))
            #expect(try await Self.pooledSessionIsEncrypted(full))

            // verify-full by IP address: the certificate names only localhost.
            let wrongHost = await Self.connectionFailure(
                try Self.url(server, host: "127.0.0.1", "sslmode=verify-full&\(trusted)"))
            #expect(wrongHost != nil, "verify-full accepted a certificate for another host name")
            #expect(wrongHost?.localizedCaseInsensitiveContains("hostname") == true, "\(wrongHost ?? "")")

            // verify-ca checks the chain, not the name: the right CA by IP address connects…
            #expect(
                try await Self.dedicatedSessionIsEncrypted(
                    try Self.url(server, host: "127.0.0.1", "sslmode=verify-ca&\(trusted)")))
            // …a CA that did not sign the certificate does not.
            let untrusted = await Self.connectionFailure(
                try Self.url(server, host: "localhost", "sslmode=verify-ca&sslrootcert=\(stranger.caFile)"))
            #expect(untrusted != nil, "verify-ca accepted a certificate from an untrusted CA")
            #expect(untrusted?.localizedCaseInsensitiveContains("certificate") == true, "\(untrusted ?? "")")

            // require encrypts without verifying anything.
            let require = try Self.url(server, host: "127.0.0.1", "sslmode=require")
            #expect(try await Self.dedicatedSessionIsEncrypted(require))
            #expect(try await Self.pooledSessionIsEncrypted(require))

            // disable against a server that accepts TLS only: refused, and the server says why.
            let plain = await Self.connectionFailure(try Self.url(server, host: "127.0.0.1", "sslmode=disable"))
            #expect(plain != nil, "sslmode=disable connected to a hostssl-only server")
            #expect(plain?.contains("no encryption") == true, "\(plain ?? "")")
        }
    }
}
