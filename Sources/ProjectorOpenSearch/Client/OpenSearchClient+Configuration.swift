public import ProjectorAWS
public import ProjectorCore

extension OpenSearchClient {
    /// How to reach an OpenSearch cluster.
    public struct Configuration: Sendable {
        /// The base URL, e.g. `https://search.example.com:9200` (a path prefix is kept).
        public var url: String
        /// How requests authenticate. Default none.
        public var authentication: Authentication
        /// TLS options for `https` URLs. Default: the system's trust roots, full verification.
        public var tls: TLS
        /// The longest a request may take before it counts as timed out (and is retried). Default 60 s.
        public var requestTimeout: Duration
        /// The longest wait for a TCP/TLS connection. Default 10 s.
        public var connectTimeout: Duration
        /// Retries of whole requests (connection errors, timeouts, 429, 5xx) and of 429/5xx bulk items.
        public var retry: RetryPolicy
        /// Connections kept to the cluster (keep-alive pool). Default 8.
        public var maximumConnections: Int
        /// The largest response body accepted. Default 256 MiB.
        public var maximumResponseBytes: Int
        /// Called before every re-send after a transient failure (a whole request, or throttled bulk items); the
        /// service counts these in `projector_store_retries_total{store="opensearch"}`. Default: nothing.
        public var retryObserver: (@Sendable () -> Void)?

        /// Creates a configuration with the documented defaults.
        public init(
            url: String,
            authentication: Authentication = .none,
            tls: TLS = TLS(),
            requestTimeout: Duration = .seconds(60),
            connectTimeout: Duration = .seconds(10),
            retry: RetryPolicy = .default,
            maximumConnections: Int = 8,
            maximumResponseBytes: Int = 256 << 20
        ) {
            self.url = url
            self.authentication = authentication
            self.tls = tls
            self.requestTimeout = requestTimeout
            self.connectTimeout = connectTimeout
            self.retry = retry
            self.maximumConnections = maximumConnections
            self.maximumResponseBytes = maximumResponseBytes
        }
    }

    /// How requests authenticate.
    public enum Authentication: Sendable {
        /// No credentials (a local or network-protected cluster).
        case none
        /// HTTP basic authentication (the security plugin's internal users).
        case basic(username: String, password: String)
        /// AWS Signature Version 4, for Amazon OpenSearch Service (`service: "es"`) or OpenSearch Serverless
        /// (`service: "aoss"`).
        case sigV4(region: String, service: String, credentials: any AWSCredentialProvider)
    }

    /// TLS options for `https` URLs.
    public struct TLS: Sendable, Hashable {
        /// A PEM file of extra CA certificates to trust instead of the system's roots.
        public var caFile: String?
        /// Accept any certificate and host name. Only for tests against self-signed clusters; never in production.
        public var insecureSkipVerify: Bool

        /// Creates TLS options; by default the system's trust roots with full verification.
        public init(caFile: String? = nil, insecureSkipVerify: Bool = false) {
            self.caFile = caFile
            self.insecureSkipVerify = insecureSkipVerify
        }
    }
}

extension OpenSearchClient.Authentication: CustomStringConvertible {
    /// Names the method without any secret.
    public var description: String {
        switch self {
        case .none: "none"
        case .basic(let username, _): "basic(\(username))"
        case .sigV4(let region, let service, _): "sigv4(\(service), \(region))"
        }
    }
}
