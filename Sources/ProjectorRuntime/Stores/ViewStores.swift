public import AsyncHTTPClient
public import Logging
public import ProjectorAWS
public import ProjectorCore
public import ProjectorDynamoDB
public import ProjectorOpenSearch
import Prometheus

/// The view stores of one process, built from the configuration: one OpenSearch client and
/// one DynamoDB client (each over its own keep-alive connection pool), shared by every
/// projection. Use ``withViewStores(configuration:environment:logger:_:)``, which shuts the
/// connection pools down afterwards.
public struct ViewStores: Sendable {
    /// The OpenSearch connection, `nil` when `opensearch.url` / `OPENSEARCH_URL` is not set.
    public let openSearch: OpenSearchClient?
    /// The DynamoDB connection; throws when neither a region (`dynamodb.region`, `AWS_REGION`) nor an endpoint
    /// (`dynamodb.endpoint`, `DYNAMODB_ENDPOINT`) is configured, so no endpoint can be named.
    public var dynamoDB: DynamoDBClient {
        get throws(RuntimeError) {
            guard let dynamoDBClient else { throw Self.missingDynamoDB(projection: nil) }
            return dynamoDBClient
        }
    }
    let dynamoDBClient: DynamoDBClient?
    let logger: Logger

    /// Builds the clients, runs `body`, then shuts the HTTP clients down whatever happens.
    ///
    /// - Parameter metrics: where the clients count their retries (`projector_store_retries_total`), if anywhere.
    public static func withViewStores<Result: Sendable>(
        configuration: ProjectorConfiguration,
        environment: [String: String],
        metrics: ProjectorMetrics? = nil,
        logger: Logger,
        _ body: (ViewStores) async throws -> Result
    ) async throws -> Result {
        // One pool for AWS APIs (DynamoDB, STS); OpenSearch gets its own with its TLS settings.
        let awsHTTP = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: DynamoDBClient.httpClientConfiguration(maximumConnections: 64),
            backgroundActivityLogger: logger
        )
        var openSearchHTTP: HTTPClient?
        let result: Result
        do {
            let credentials = AWSCredentialChain.default(environment: environment, httpClient: awsHTTP, logger: logger)
            var openSearch: OpenSearchClient?
            if let url = configuration.openSearch.url {
                var clientConfiguration = try openSearchConfiguration(
                    configuration, url: url, environment: environment, credentials: credentials)
                if let counter = metrics?.openSearchRetries {
                    clientConfiguration.retryObserver = { counter.increment() }
                }
                let http = HTTPClient(
                    eventLoopGroupProvider: .singleton,
                    configuration: try OpenSearchClient.httpClientConfiguration(for: clientConfiguration),
                    backgroundActivityLogger: logger
                )
                openSearchHTTP = http
                openSearch = try OpenSearchClient(configuration: clientConfiguration, httpClient: http, logger: logger)
            }
            var dynamoDB: DynamoDBClient?
            // Without a region AWS's endpoint is unknown; a local endpoint only needs some region to sign with.
            let endpoint = configuration.dynamoDB.endpoint
            if let region = configuration.dynamoDB.region ?? AWSEnvironment.region(in: environment)
                ?? (endpoint == nil ? nil : "us-east-1")
            {
                var dynamoDBConfiguration = DynamoDBClient.Configuration(region: region, endpoint: endpoint)
                if let counter = metrics?.dynamoDBRetries {
                    dynamoDBConfiguration.retryObserver = { counter.increment() }
                }
                dynamoDB = try DynamoDBClient(
                    configuration: dynamoDBConfiguration,
                    httpClient: awsHTTP,
                    credentials: credentials,
                    logger: logger
                )
            }
            result = try await body(ViewStores(openSearch: openSearch, dynamoDBClient: dynamoDB, logger: logger))
        } catch {
            try? await openSearchHTTP?.shutdown()
            try? await awsHTTP.shutdown()
            throw error
        }
        try? await openSearchHTTP?.shutdown()
        try? await awsHTTP.shutdown()
        return result
    }

    static func missingDynamoDB(projection: String?) -> RuntimeError {
        RuntimeError(
            .badConfiguration,
            "writes to DynamoDB but neither dynamodb.region (or AWS_REGION) nor dynamodb.endpoint "
                + "(or DYNAMODB_ENDPOINT) is set", projection: projection)
    }

    static func openSearchConfiguration(
        _ configuration: ProjectorConfiguration,
        url: String,
        environment: [String: String],
        credentials: any AWSCredentialProvider
    ) throws -> OpenSearchClient.Configuration {
        let settings = configuration.openSearch
        var authentication = OpenSearchClient.Authentication.none
        if let aws = settings.aws {
            guard let region = aws.region ?? AWSEnvironment.region(in: environment) else {
                throw RuntimeError(.badConfiguration, "opensearch.aws.region (or AWS_REGION) is required for SigV4")
            }
            authentication = .sigV4(region: region, service: aws.service, credentials: credentials)
        } else if let username = settings.username {
            authentication = .basic(username: username, password: settings.password ?? "")
        }
        return OpenSearchClient.Configuration(
            url: url,
            authentication: authentication,
            tls: OpenSearchClient.TLS(caFile: settings.tls.caFile, insecureSkipVerify: settings.tls.insecureSkipVerify)
        )
    }

    /// The store a projection writes to, with its index/alias or table created when missing.
    ///
    /// - Parameter physicalName: write to this index or table instead of the definition's (rebuilds).
    public func store(for projection: Projection, physicalName: String? = nil, prepare: Bool = true) async throws
        -> any ViewStore
    {
        switch projection.target {
        case .openSearch(let target):
            guard let openSearch else {
                throw RuntimeError(
                    .badConfiguration,
                    "writes to OpenSearch but opensearch.url (or OPENSEARCH_URL) is not set",
                    projection: projection.name
                )
            }
            let index = physicalName ?? target.index
            if prepare && physicalName == nil {
                do {
                    try await prepareAlias(target, version: projection.version, client: openSearch)
                } catch {
                    throw namingUnreachableStore(error, for: projection)
                }
            }
            return try OpenSearchStore(client: openSearch, index: index)
        case .dynamoDB(let target):
            guard let dynamoDBClient else { throw Self.missingDynamoDB(projection: projection.name) }
            let store = DynamoDBViewStore(
                configuration: DynamoDBViewStore.Configuration(
                    table: physicalName ?? target.table, keyAttribute: target.key),
                client: dynamoDBClient
            )
            if prepare {
                do { try await store.ensureTable() } catch { throw namingUnreachableStore(error, for: projection) }
            }
            return store
        }
    }

    /// Creates `<alias>__v<version>_<build>` with the definition's settings and mappings and points the
    /// alias at it, unless the alias (or an index of that name) already exists.
    func prepareAlias(_ target: OpenSearchTarget, version: Int, client: OpenSearchClient) async throws {
        let admin = OpenSearchAdmin(client: client)
        guard try await !admin.exists(target.index) else { return }
        let physical = IndexName.make(alias: target.index, version: version)
        try await admin.createIndex(
            physical.description,
            settings: target.settings.map(JSONValue.object),
            mappings: target.mappings.map(JSONValue.object)
        )
        _ = try await admin.swapAlias(target.index, to: physical.description)
        // Instances starting together may each have created an index and pointed the alias at it. Converge on
        // one: every instance picks the same (smallest) name, and the losers drop the index they created.
        let targets = try await admin.aliasTargets(target.index)
        if targets.count > 1, let winner = targets.min() {
            _ = try await admin.swapAlias(target.index, to: winner)
            if winner != physical.description { try await admin.deleteIndices([physical.description]) }
            return
        }
        logger.info(
            "created index behind alias",
            metadata: ["projector.index": "\(physical)", "projector.alias": "\(target.index)"]
        )
    }
}
