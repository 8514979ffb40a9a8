public import Logging
public import ProjectorCore
public import ProjectorPostgres

/// The connections an operations command works with: the database (pool running) and the view stores.
public struct OperationsSession: Sendable {
    /// The configuration.
    public let configuration: ProjectorConfiguration
    /// Event log, checkpoints, dead letters.
    public let database: ProjectorDatabase
    /// OpenSearch and DynamoDB connections.
    public let stores: ViewStores
    /// Where operations log.
    public let logger: Logger

    /// A session over connections the caller runs.
    public init(configuration: ProjectorConfiguration, database: ProjectorDatabase, stores: ViewStores, logger: Logger)
    {
        self.configuration = configuration
        self.database = database
        self.stores = stores
        self.logger = logger
    }

    /// Opens the database pool and the view store clients, runs `body`, closes them.
    public static func with<Result: Sendable>(
        configuration: ProjectorConfiguration,
        environment: [String: String],
        logger: Logger,
        _ body: (OperationsSession) async throws -> Result
    ) async throws -> Result {
        try await ProjectorDatabase.withDatabase(configuration: configuration, logger: logger) { database in
            try await ViewStores.withViewStores(configuration: configuration, environment: environment, logger: logger)
            {
                stores in
                try await body(
                    OperationsSession(configuration: configuration, database: database, stores: stores, logger: logger))
            }
        }
    }

    /// The projection named `name` among `projections`.
    /// - Throws: ``RuntimeError`` `notFound` listing the known names.
    public static func projection(named name: String, in projections: [Projection]) throws(RuntimeError)
        -> Projection
    {
        guard let projection = projections.first(where: { $0.name == name }) else {
            let known = projections.map(\.name).sorted().joined(separator: ", ")
            throw RuntimeError(.notFound, "no projection named \(name) (known: \(known.isEmpty ? "none" : known))")
        }
        return projection
    }

    /// The log of `projection`'s events, whole (for verify).
    public func log(_ projection: Projection) -> ProjectionLog {
        ProjectionLog(projection: projection, reader: database.reader, wholePayload: true)
    }

    /// Where readers find `projection`'s documents now.
    public func liveTarget(_ projection: Projection) async throws -> ViewTarget {
        try await ViewTarget.live(projection, stores: stores, checkpoints: database.checkpoints)
    }
}
