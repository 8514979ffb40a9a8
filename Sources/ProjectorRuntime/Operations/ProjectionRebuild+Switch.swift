import Logging
import ProjectorCore
import ProjectorDynamoDB
import ProjectorOpenSearch
import ProjectorPostgres

extension ProjectionRebuild {
    /// The live projection held still for the switch-over.
    struct LiveQuiet {
        /// The live lease: the caller's, or one this process took because nobody ran the projection.
        var lease: ProjectionLease?
        /// True when ``lease`` belongs to the caller (the service rebuilding on a version change).
        var leaseIsCallers: Bool
        /// The pause flag before the rebuild set it (left as it was afterwards).
        var wasPaused: Bool
    }

    /// Holds the live projection still: the caller's lease, or the pause flag acknowledged by its owner (or its
    /// lease when nobody owns it).
    func quiesceLive(_ options: Options, liveLease: ProjectionLease?) async throws -> LiveQuiet {
        if let liveLease { return LiveQuiet(lease: liveLease, leaseIsCallers: true, wasPaused: false) }
        let row = try await database.checkpoints.register(projection.name, version: projection.version)
        logger.info("pausing the live projection for the switch-over")
        let lease = try await ProjectionControl(database: database, logger: logger)
            .quiesce(projection.name, owner: options.owner, timeout: options.pauseTimeout)
        return LiveQuiet(lease: lease, leaseIsCallers: false, wasPaused: row.paused)
    }

    /// Lets the live projection go on (unpauses it unless it was paused before, releases a lease taken here).
    func release(_ quiet: LiveQuiet) async throws {
        if !quiet.leaseIsCallers {
            if !quiet.wasPaused {
                try await ProjectionControl(database: database, logger: logger).resume(projection.name)
            }
            await quiet.lease?.release()
        }
    }

    /// Points readers at the build, moves the live checkpoint and version to it, hands the build's dead letters
    /// over, lets the live projection go on and deletes old targets. Returns the deleted targets.
    func switchOver(_ build: Build, options: Options, quiet: LiveQuiet) async throws -> [String] {
        let checkpoints = database.checkpoints
        var deleted: [String] = []
        switch projection.target {
        case .openSearch(let target):
            let admin = OpenSearchAdmin(
                client: try ViewTarget(projection: projection, stores: stores, name: build.target).openSearch())
            try await admin.refresh(build.target)
            let previous = try await admin.swapAlias(target.index, to: build.target)
            logger.info(
                "alias swapped",
                metadata: [
                    "projector.alias": "\(target.index)", "projector.previous": "\(previous.joined(separator: ","))",
                ])
        case .dynamoDB(let target):
            if options.inPlace {
                try await deleteOutdatedDocuments(build.target, keyAttribute: target.key)
            } else {
                deleted = try await recordTable(build.target, definitionTable: target.table, keepOld: options.keepOld)
            }
        }
        try await checkpoints.setVersion(projection.name, projection.version)
        try await handOverDeadLetters()
        if let lease = quiet.lease, quiet.leaseIsCallers {
            try await checkpoints.commit(build.cursor, lease: lease)
        } else {
            // Also bumps the lease epoch: a parked owner starts over from the new checkpoint and version.
            try await checkpoints.reset(projection.name, to: build.cursor)
        }
        try await release(quiet)
        if case .openSearch(let target) = projection.target {
            let admin = OpenSearchAdmin(
                client: try ViewTarget(projection: projection, stores: stores, name: build.target).openSearch())
            deleted = try await admin.deleteOldIndices(of: target.index, keep: max(0, options.keepOld) + 1)
        }
        return deleted
    }

    /// Records the new table in the live checkpoint row (where `run` reads it) and drops tables beyond `keepOld`.
    func recordTable(_ table: String, definitionTable: String, keepOld: Int) async throws -> [String] {
        let checkpoints = database.checkpoints
        var metadata = try await checkpoints.read(projection.name)?.metadata.objectValue ?? JSONObject()
        let current = metadata[ViewTarget.tableMetadataKey]?.stringValue ?? definitionTable
        var previous = (metadata["previous_tables"]?.arrayValue ?? []).compactMap(\.stringValue).filter { $0 != table }
        if current != table { previous.append(current) }
        let doomed = Array(previous.dropLast(max(0, keepOld)))
        previous = Array(previous.suffix(max(0, keepOld)))
        metadata[ViewTarget.tableMetadataKey] = .string(table)
        metadata["previous_tables"] = .array(previous.map(JSONValue.string))
        try await checkpoints.setMetadata(projection.name, .object(metadata))
        for name in doomed { try await stores.dynamoDB.deleteTable(name, waitUntilGone: false) }
        return doomed
    }

    /// After an in-place rebuild: deletes the documents written by older versions (the new one no longer
    /// produces them).
    func deleteOutdatedDocuments(_ table: String, keyAttribute: String) async throws {
        let store = DynamoDBViewStore(
            configuration: .init(table: table, keyAttribute: keyAttribute, maximumConcurrentWrites: 64),
            client: try stores.dynamoDB)
        var removed = 0
        for try await page in store.scan(segments: 4) {
            let writes: [DocumentWrite] = page.compactMap { document in
                guard let stamp = document.body[Projection.metadataField],
                    DocumentMetadata(json: stamp).projectionVersion < projection.version
                else { return nil }
                return .delete(key: document.key, expected: document.revision)
            }
            guard !writes.isEmpty else { continue }
            removed += try await store.apply(writes).filter { if case .applied = $0 { true } else { false } }.count
        }
        logger.info("deleted documents of older versions", metadata: ["projector.documents": "\(removed)"])
    }

    /// The build's dead letters replace the live projection's (those were recorded by the old definition).
    func handOverDeadLetters() async throws {
        let deadLetters = database.deadLetters
        let letters = try await deadLetters.list(projection: buildRow, limit: Int.max / 2)
        try await deadLetters.removeAll(projection: projection.name)
        for letter in letters {
            try await deadLetters.add(projection: projection.name, event: letter.event, error: letter.error)
        }
        try await deadLetters.removeAll(projection: buildRow)
    }
}
