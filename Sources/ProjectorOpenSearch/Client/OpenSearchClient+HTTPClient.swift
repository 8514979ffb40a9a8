public import AsyncHTTPClient
import NIOCore
import NIOSSL
import ProjectorCore

extension OpenSearchClient {
    /// The `HTTPClient` configuration for `configuration`: connection pool size, timeouts, TLS trust.
    ///
    /// - Throws: ``OpenSearchError`` `invalidConfiguration` when the CA file cannot be read.
    public static func httpClientConfiguration(
        for configuration: Configuration
    ) throws(OpenSearchError) -> HTTPClient.Configuration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if configuration.tls.insecureSkipVerify {
            tls.certificateVerification = .none
        } else if let caFile = configuration.tls.caFile {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw OpenSearchError(
                    code: .invalidConfiguration, operation: "configure",
                    message: "cannot read the CA certificates in \(caFile): \(error)")
            }
        }
        var pool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, configuration.maximumConnections))
        pool.retryConnectionEstablishment = false
        var result = HTTPClient.Configuration(
            tlsConfiguration: tls,
            timeout: .init(
                connect: TimeAmount(configuration.connectTimeout), read: TimeAmount(configuration.requestTimeout)),
            connectionPool: pool,
            decompression: .disabled)
        result.httpVersion = .http1Only
        return result
    }
}

extension TimeAmount {
    /// The amount for a `Duration`, clamped to `0...Int64.max` nanoseconds.
    init(_ duration: Duration) {
        self = .nanoseconds(RetryPolicy.nanoseconds(duration))
    }
}
