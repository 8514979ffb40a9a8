public import Logging
public import ProjectorCore
public import ProjectorPostgres

/// `pause`, `resume` and the checkpoint side of `reset`: flags in the checkpoint row that whichever instance owns
/// the projection picks up within its control interval (one second by default).
public struct ProjectionControl: Sendable {
    /// The database holding the checkpoints.
    public let database: ProjectorDatabase
    let logger: Logger

    /// Controls over `database`.
    public init(database: ProjectorDatabase, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Sets the pause flag (creating the checkpoint row when the projection never ran, so it starts paused).
    /// The owner finishes its batch, commits, and records state `paused`.
    public func pause(_ projection: Projection) async throws {
        _ = try await database.checkpoints.register(projection.name, version: projection.version)
        try await database.checkpoints.setPaused(projection.name, true)
        logger.info("projection paused", metadata: [LogKey.projection: "\(projection.name)"])
    }

    /// Clears the pause flag and a `failed` state (with its error), so a parked projection retries.
    /// - Throws: ``RuntimeError`` `notFound` when the projection has no checkpoint row.
    public func resume(_ name: String) async throws {
        guard let row = try await database.checkpoints.read(name) else {
            throw RuntimeError(.notFound, "has no checkpoint yet (never ran): nothing to resume", projection: name)
        }
        try await database.checkpoints.setPaused(name, false)
        if row.state == ProjectionState.failed.rawValue || row.state == ProjectionState.paused.rawValue {
            try await database.checkpoints.setState(name, state: ProjectionState.running.rawValue)
        }
        logger.info("projection resumed", metadata: [LogKey.projection: "\(name)"])
    }

    /// Waits until the live projection is quiet: nobody owns it (then the returned lease keeps it that way), or
    /// its owner acknowledged the pause flag (state `paused`) or is parked `failed`. Sets the pause flag first.
    ///
    /// - Returns: the live lease when this process took it, `nil` when an owner is parked.
    /// - Throws: ``RuntimeError`` `timeout` after `timeout`.
    func quiesce(
        _ name: String, owner: String, timeout: Duration, pollInterval: Duration = .milliseconds(200)
    ) async throws -> ProjectionLease? {
        let checkpoints = database.checkpoints
        try await checkpoints.setPaused(name, true)
        let deadline = ContinuousClock.now + timeout
        while true {
            if let lease = try await database.acquireLease(projection: name, owner: owner) { return lease }
            if let row = try await checkpoints.read(name), row.paused,
                row.state == ProjectionState.paused.rawValue || row.state == ProjectionState.failed.rawValue
            {
                return nil
            }
            guard ContinuousClock.now < deadline else {
                throw RuntimeError(
                    .timeout, "the owning instance did not acknowledge the pause within \(timeout)", projection: name)
            }
            try await Task.sleep(for: pollInterval)
        }
    }

    /// True when no instance owns the projection, or its owner is parked (paused or failed).
    func isQuiet(_ name: String, owner: String) async throws -> (quiet: Bool, lease: ProjectionLease?) {
        if let lease = try await database.acquireLease(projection: name, owner: owner) { return (true, lease) }
        guard let row = try await database.checkpoints.read(name) else { return (false, nil) }
        let parked =
            (row.paused && row.state == ProjectionState.paused.rawValue) || row.state == ProjectionState.failed.rawValue
        return (parked, nil)
    }
}
