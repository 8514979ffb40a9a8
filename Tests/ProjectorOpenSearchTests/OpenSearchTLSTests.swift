import AsyncHTTPClient
import Foundation
import ProjectorCore
import ProjectorTesting
import Testing

@testable import ProjectorOpenSearch

/// HTTPS trust: a server with a self-signed certificate is refused (and not retried) unless its CA is configured
/// or verification is switched off explicitly.
@Suite(.timeLimit(.minutes(1))) struct OpenSearchTLSTests {
    /// A fresh self-signed certificate for 127.0.0.1 / localhost, made with the openssl CLI.
    private func makeCertificate() throws -> (certificate: String, key: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("os-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let certificate = folder.appendingPathComponent("cert.pem").path
        let key = folder.appendingPathComponent("key.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", certificate,
        ]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        return (certificate, key)
    }

    private func client(
        _ url: String, tls: OpenSearchClient.TLS, _ body: (OpenSearchClient) async throws -> Void
    ) async throws {
        let configuration = OpenSearchClient.Configuration(url: url, tls: tls, retry: OpenSearchTesting.fastRetry)
        try await OpenSearchClient.withClient(configuration: configuration, logger: OpenSearchTesting.logger, body)
    }

    @Test func untrustedCertificateIsRefusedUnlessConfigured() async throws {
        guard let upstream = try TestServers.openSearchURL() else { return }
        let tls = try makeCertificate()
        try await FlakyProxy.with(upstream: upstream, plan: [:], tls: tls) { proxy in
            let index = OpenSearchTesting.uniqueName("tls_absent")
            try await client(proxy.url, tls: .init()) { client in
                do {
                    _ = try await OpenSearchAdmin(client: client).exists(index)
                    Issue.record("a self-signed certificate must be refused by default")
                } catch let error as OpenSearchError {
                    #expect(error.code == .requestFailed)
                }
            }
            try await client(proxy.url, tls: .init(caFile: tls.certificate)) { client in
                let exists = try await OpenSearchAdmin(client: client).exists(index)
                #expect(exists == false)
            }
            try await client(proxy.url, tls: .init(insecureSkipVerify: true)) { client in
                let exists = try await OpenSearchAdmin(client: client).exists(index)
                #expect(exists == false)
                // Only the two trusting clients got through: the refused handshake never became a request.
                let stats = try await proxy.stats(through: client)
                #expect(stats == ["other": 2])
            }
        }
    }

    @Test func unreadableCAFileIsAConfigurationError() {
        #expect(throws: OpenSearchError.self) {
            try OpenSearchClient.httpClientConfiguration(
                for: .init(url: "https://localhost:9200", tls: .init(caFile: "/nonexistent/ca.pem")))
        }
    }

    @Test(arguments: ["localhost:9200", "ftp://x", "http://", "http://user:secret@host:9200"])
    func rejectsBadURLs(_ url: String) {
        do {
            _ = try OpenSearchClient(
                configuration: .init(url: url), httpClient: HTTPClient.shared, logger: OpenSearchTesting.logger)
            Issue.record("\(url) must be refused")
        } catch {
            #expect(error.code == .invalidConfiguration)
            #expect(!error.description.contains("secret"))
        }
    }
}
