public import ProjectorCore
public import ProjectorPostgres
import Logging
import ServiceLifecycle

/// What the operations layer plugs into a ``ProjectionSupervisor``: where a rebuilt DynamoDB projection writes
/// (the table recorded in its checkpoint row) and, under `runtime.rebuild: auto`, the rebuild run on a version
/// change.
public struct SupervisorHooks: Sendable {
    /// Opens the store on a physical index/table name.
    public var physicalStore: (@Sendable (_ name: String) async throws -> any ViewStore)?
    /// Rebuilds the projection while the supervisor holds its lease (`runtime.rebuild: auto`).
    public var rebuild: (@Sendable (_ lease: ProjectionLease) async throws -> Void)?
    /// Spreads the service's projections over the instances sharing the database (`nil`: take every free lease).
    public var balancer: LeaseBalancer?

    /// No hooks: the supervisor writes to its given store and refuses to run on a version change.
    public init(
        physicalStore: (@Sendable (_ name: String) async throws -> any ViewStore)? = nil,
        rebuild: (@Sendable (_ lease: ProjectionLease) async throws -> Void)? = nil
    ) {
        self.physicalStore = physicalStore
        self.rebuild = rebuild
    }

    /// The hooks for `projection` in a service built from `stores` and `database`.
    public static func make(
        for projection: Projection, settings: RuntimeSettings, database: ProjectorDatabase, stores: ViewStores,
        owner: String
    ) -> SupervisorHooks {
        var hooks = SupervisorHooks()
        if case .dynamoDB = projection.target {
            hooks.physicalStore = { name in try await stores.store(for: projection, physicalName: name, prepare: false)
            }
        }
        if settings.rebuild == .auto {
            hooks.rebuild = { lease in
                do {
                    _ = try await ProjectionRebuild(
                        projection: projection, database: database, stores: stores, logger: database.logger
                    ).run(ProjectionRebuild.Options(owner: owner), liveLease: lease) { _ in
                        // SIGTERM/SIGINT end the rebuild after the batch in hand, so the service stops in time;
                        // the build's checkpoint keeps what was done and the next start continues from it.
                        if Task.isShuttingDownGracefully { throw CancellationError() }
                    }
                } catch is CancellationError where Task.isShuttingDownGracefully {
                    database.logger.info(
                        "rebuild interrupted by shutdown; the next start continues it",
                        metadata: [LogKey.projection: "\(projection.name)"])
                }
            }
        }
        return hooks
    }

    /// The store named in the checkpoint's metadata (a rebuilt DynamoDB table), `nil` for the default one.
    func store(for checkpoint: Checkpoint) async throws -> (any ViewStore)? {
        guard let physicalStore, let table = checkpoint.metadata[ViewTarget.tableMetadataKey]?.stringValue else {
            return nil
        }
        return try await physicalStore(table)
    }
}
