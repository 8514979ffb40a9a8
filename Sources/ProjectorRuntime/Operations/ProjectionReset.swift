import Logging
public import ProjectorCore
import ProjectorDynamoDB
import ProjectorOpenSearch
import ProjectorPostgres

/// `projector reset NAME --to-start`: the in-place alternative to a rebuild, for a view readers do not depend on
/// meanwhile. Empties the view (OpenSearch: a new empty index behind the alias; DynamoDB: every item deleted),
/// moves the checkpoint to the start under the definition's version, clears the error and the dead letters; the
/// service then replays the whole log into it.
///
/// While an instance runs the projection, the reset pauses it first (the owner finishes its batch and
/// acknowledges), resets, then resumes it (unless it was paused before), so the owner replays from the start.
public struct ProjectionReset: Sendable {
    /// What the reset did.
    public struct Result: Sendable, Hashable {
        /// Documents deleted (DynamoDB) or the old indices dropped (OpenSearch, by name).
        public var cleared: String
    }

    /// The projection (its current definition).
    public let projection: Projection
    /// Connections.
    public let session: OperationsSession

    /// How long to wait for a running owner to acknowledge the pause.
    public var pauseTimeout: Duration = .seconds(60)

    /// A reset of `projection`.
    public init(projection: Projection, session: OperationsSession) {
        self.projection = projection
        self.session = session
    }

    /// Resets; with `keepDocuments` only the checkpoint moves (a harmless replay: documents skip what they hold).
    public func run(owner: String, keepDocuments: Bool = false) async throws -> Result {
        let database = session.database
        let name = projection.name
        let row = try await database.checkpoints.register(name, version: projection.version)
        let control = ProjectionControl(database: database, logger: session.logger)
        var (quiet, lease) = try await control.isQuiet(name, owner: owner)
        // Running somewhere: pause it for the reset and let it go on afterwards (from the start).
        let pausedHere = !quiet && !row.paused
        if !quiet {
            session.logger.info(
                "pausing the running projection for the reset",
                metadata: [LogKey.projection: "\(name)", LogKey.owner: "\(row.owner ?? "-")"])
            do {
                lease = try await control.quiesce(name, owner: owner, timeout: pauseTimeout)
            } catch {
                if pausedHere { try? await control.resume(name) }
                throw error
            }
        }
        do {
            let cleared = keepDocuments ? "kept the documents" : try await clear()
            try await database.checkpoints.setVersion(name, projection.version)
            try await database.deadLetters.removeAll(projection: name)
            try await database.checkpoints.reset(name, to: .start)
            if row.state == ProjectionState.failed.rawValue {
                try await database.checkpoints.setState(name, state: ProjectionState.running.rawValue)
            }
            if pausedHere { try await control.resume(name) }
            await lease?.release()
            session.logger.info("projection reset to the start", metadata: [LogKey.projection: "\(name)"])
            return Result(cleared: cleared)
        } catch {
            if pausedHere { try? await control.resume(name) }
            await lease?.release()
            throw error
        }
    }

    /// Empties the live view; returns a summary.
    func clear() async throws -> String {
        let target = try await session.liveTarget(projection)
        switch projection.target {
        case .openSearch(let definition):
            let admin = OpenSearchAdmin(client: try target.openSearch())
            let fresh = IndexName.make(alias: definition.index, version: projection.version).description
            try await admin.createIndex(
                fresh, settings: definition.settings.map(JSONValue.object),
                mappings: definition.mappings.map(JSONValue.object))
            try await admin.swapAlias(definition.index, to: fresh)
            let dropped = try await admin.deleteOldIndices(of: definition.index, keep: 1)
            return "new empty index \(fresh)" + (dropped.isEmpty ? "" : ", dropped \(dropped.joined(separator: ", "))")
        case .dynamoDB:
            let store = try await target.store()
            var deleted = 0
            try await target.forEachPage { page in
                let outcomes = try await store.apply(page.map { .delete(key: $0.key, expected: $0.revision) })
                deleted += outcomes.filter { if case .applied = $0 { true } else { false } }.count
            }
            return "deleted \(deleted) documents from \(target.name)"
        }
    }
}
