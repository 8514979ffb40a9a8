public import PostgresNIO
public import ProjectorCore

extension DatabaseURL {
    /// Connection settings for a pooled `PostgresClient`. Sessions run with `TimeZone=UTC`
    /// so timestamps read as text are RFC 3339 in UTC.
    public func clientConfiguration(
        maxConnections: Int = 10,
        connectTimeout: Duration = .seconds(10)
    ) throws -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if isUnixSocket {
            configuration = .init(
                unixSocketPath: host + "/.s.PGSQL.\(port)", username: username, password: password, database: database)
        } else {
            configuration = .init(
                host: host, port: port, username: username, password: password, database: database,
                tls: try clientTLS())
        }
        configuration.options.maximumConnections = maxConnections
        configuration.options.connectTimeout = connectTimeout
        configuration.options.additionalStartupParameters = startupParameters
        return configuration
    }

    /// Connection settings for a dedicated connection (LISTEN, leases).
    public func connectionConfiguration(connectTimeout: Duration = .seconds(10)) throws
        -> PostgresConnection.Configuration
    {
        var configuration: PostgresConnection.Configuration
        if isUnixSocket {
            configuration = .init(
                unixSocketPath: host + "/.s.PGSQL.\(port)", username: username, password: password, database: database)
        } else {
            let tls: PostgresConnection.Configuration.TLS
            switch sslMode {
            case .disable: tls = .disable
            case .allow, .prefer: tls = .prefer(try NIOSSLContext(configuration: tlsConfiguration()))
            default: tls = .require(try NIOSSLContext(configuration: tlsConfiguration()))
            }
            configuration = .init(
                host: host, port: port, username: username, password: password, database: database, tls: tls)
        }
        let (seconds, attoseconds) = connectTimeout.components
        configuration.options.connectTimeout = .milliseconds(seconds * 1_000 + attoseconds / 1_000_000_000_000_000)
        configuration.options.additionalStartupParameters = startupParameters
        return configuration
    }

    private var startupParameters: [(String, String)] {
        [("TimeZone", "UTC"), ("application_name", applicationName ?? "projector")]
    }

    private func clientTLS() throws -> PostgresClient.Configuration.TLS {
        switch sslMode {
        case .disable: .disable
        case .allow, .prefer: .prefer(try tlsConfiguration())
        default: .require(try tlsConfiguration())
        }
    }

    /// libpq semantics: `require` encrypts without checking the certificate, `verify-ca`
    /// checks the chain, `verify-full` also the host name.
    private func tlsConfiguration() throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable, .allow, .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let rootCertificatePath { tls.trustRoots = .file(rootCertificatePath) }
        return tls
    }
}
