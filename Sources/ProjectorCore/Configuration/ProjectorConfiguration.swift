/// Everything `projector.yaml` and the environment configure (DESIGN.md §7).
///
/// Every key has a default or an environment variable, so an empty file is a valid
/// configuration. Build one with ``init(yaml:file:environment:)``; `init()` gives the defaults.
public struct ProjectorConfiguration: Sendable, Hashable {
    /// `postgres:` — the database holding the event table and projector's own tables.
    public struct Postgres: Sendable, Hashable {
        /// `postgres.url` or env `DATABASE_URL`. `nil` when neither is set.
        public var url: DatabaseURL?
        /// `postgres.max_connections`: size of the connection pool (default 10).
        public var maxConnections: Int = 10
        /// `postgres.connect_timeout` (default 10s).
        public var connectTimeout: Duration = .seconds(10)

        /// The defaults: no URL, 10 connections, 10 s connect timeout.
        public init() {}
    }

    /// `events.columns`: the event table's column names.
    public struct Columns: Sendable, Hashable {
        /// `events.columns.id` (default `id`).
        public var id = SQLIdentifier.known("id")
        /// `events.columns.stream`: the aggregate id column (default `aggregate_id`).
        public var stream = SQLIdentifier.known("aggregate_id")
        /// `events.columns.seq`: the per-stream sequence number column (default `event_seq`).
        public var seq = SQLIdentifier.known("event_seq")
        /// `events.columns.service` (default `service_name`).
        public var service = SQLIdentifier.known("service_name")
        /// `events.columns.data`: the JSON payload column (default `data`).
        public var data = SQLIdentifier.known("data")
        /// `events.columns.created_at` (default `created_on`).
        public var createdAt = SQLIdentifier.known("created_on")

        /// The default column names of the seed systems' layout.
        public init() {}
    }

    /// `events:` — the event table and how to read it.
    public struct Events: Sendable, Hashable {
        /// `events.table`, default `public.event_store`.
        public var table = SQLTableName(schema: .known("public"), table: .known("event_store"))
        /// `events.columns`: the event table's column names.
        public var columns = Columns()
        /// `events.type`: the key inside `data` that holds the event type (default `event-id`).
        public var typeKey = "event-id"
        /// `events.encoding` (default `plain`).
        public var encoding = EventEncoding.plain
        /// `events.channel`: the NOTIFY channel (default `projector_events`).
        public var channel = SQLIdentifier.known("projector_events")
        /// `events.poll_interval` (default 1s).
        public var pollInterval: Duration = .seconds(1)
        /// `events.batch_size`: events per read (default 1000).
        public var batchSize = 1000

        /// The defaults listed on each property.
        public init() {}
    }

    /// `opensearch:`.
    public struct OpenSearch: Sendable, Hashable {
        /// `opensearch.aws`: sign requests with SigV4.
        public struct AWS: Sendable, Hashable {
            /// `opensearch.aws.region`, default env `AWS_REGION`.
            public var region: String?
            /// `opensearch.aws.service`: `es` (default) or `aoss`.
            public var service = "es"

            /// No region (loading then takes `AWS_REGION`), service `es`.
            public init() {}
        }

        /// `opensearch.tls`.
        public struct TLS: Sendable, Hashable {
            /// `opensearch.tls.ca_file`: PEM bundle of trusted CAs.
            public var caFile: String?
            /// `opensearch.tls.insecure_skip_verify` (default false).
            public var insecureSkipVerify = false

            /// No CA file; certificates are verified.
            public init() {}
        }

        /// `opensearch.url` or env `OPENSEARCH_URL`.
        public var url: String?
        /// `opensearch.username` (basic auth).
        public var username: String?
        /// `opensearch.password` or env `OPENSEARCH_PASSWORD`. Never printed.
        public var password: String?
        /// `opensearch.aws`: set to sign requests with SigV4; `nil` (default) sends them unsigned.
        public var aws: AWS?
        /// `opensearch.tls`: how the server certificate is checked.
        public var tls = TLS()

        /// No URL, no credentials, no SigV4, default TLS.
        public init() {}
    }

    /// `dynamodb:`.
    public struct DynamoDB: Sendable, Hashable {
        /// `dynamodb.region` or env `AWS_REGION`.
        public var region: String?
        /// `dynamodb.endpoint` or env `DYNAMODB_ENDPOINT` (local servers).
        public var endpoint: String?

        /// No region and no endpoint; loading fills them from the file or the environment.
        public init() {}
    }

    /// `http:` — the admin HTTP server.
    public struct HTTP: Sendable, Hashable {
        /// `http.port` (default 9464).
        public var port = 9464

        /// Port 9464.
        public init() {}
    }

    /// `postgres:` — connection to the database.
    public var postgres = Postgres()
    /// `events:` — the event table and how to read it.
    public var events = Events()
    /// `schema`: where projector keeps its own tables (default `projector`).
    public var schema = SQLIdentifier.known("projector")
    /// `opensearch:` — the OpenSearch cluster that projections with a `target.opensearch` write to.
    public var openSearch = OpenSearch()
    /// `dynamodb:` — the DynamoDB endpoint that projections with a `target.dynamodb` write to.
    public var dynamoDB = DynamoDB()
    /// `projections`: folder of definitions (default `./projections`).
    public var projectionsPath = "./projections"
    /// `http:` — the admin HTTP server (`/metrics`, `/health/live`, `/health/ready`).
    public var http = HTTP()
    /// The `runtime:` section as written, for the runtime to interpret (not checked here).
    public var runtime: JSONValue?

    /// The defaults, without looking at the environment.
    public init() {}
}

extension SQLIdentifier {
    /// A built-in identifier, known to be valid (traps otherwise: a programming error).
    public static func known(_ name: StaticString) -> SQLIdentifier {
        guard let identifier = SQLIdentifier("\(name)") else {
            preconditionFailure("invalid built-in identifier \(name)")
        }
        return identifier
    }
}
