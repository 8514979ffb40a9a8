public import Foundation

/// A private certificate authority and one server certificate it signed, made with `openssl`
/// for TLS tests: the server certificate names only `hostName` (as CN and DNS subject
/// alternative name), so connecting by IP address fails host-name verification.
public struct TestCertificates: Sendable {
    /// The CA certificate (PEM): what clients must trust.
    public let caFile: String
    /// The server certificate (PEM), signed by the CA.
    public let certificateFile: String
    /// The server's private key (PEM, unencrypted).
    public let keyFile: String
    /// The host name the certificate is valid for.
    public let hostName: String

    /// Generates the CA and the server certificate (P-256 keys, valid for two days) into `folder`.
    public static func make(in folder: URL, hostName: String = "localhost") async throws -> TestCertificates {
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        let openssl = "/usr/bin/openssl"
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try await CommandRunner.run(
            openssl,
            ["req", "-x509"] + curve + [
                "-keyout", path("ca.key"), "-out", path("ca.crt"), "-days", "2",
                "-subj", "/CN=projector test CA",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ])
        try await CommandRunner.run(
            openssl,
            ["req"] + curve + ["-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=\(hostName)"])
        let extensions = """
            basicConstraints = CA:FALSE
            keyUsage = digitalSignature, keyEncipherment
            extendedKeyUsage = serverAuth
            subjectAltName = DNS:\(hostName)

            """
        try extensions.write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        try await CommandRunner.run(
            openssl,
            [
                "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
                "-CAcreateserial", "-out", path("server.crt"), "-days", "2", "-extfile", path("server.ext"),
            ])
        return TestCertificates(
            caFile: path("ca.crt"), certificateFile: path("server.crt"), keyFile: path("server.key"),
            hostName: hostName)
    }
}
