import Logging
import ProjectorCore
import ProjectorDynamoDB
import ProjectorOpenSearch
import ProjectorPostgres

extension ProjectionRebuild {
    /// One build in progress.
    struct Build {
        /// The physical index or table written.
        var target: String
        /// True when an interrupted build is continued.
        var resumed: Bool
        /// How far the build got.
        var cursor: EventCursor
        /// Folds and writes the batches.
        var processor: BatchProcessor
        /// OpenSearch: the index settings before the load, restored after it.
        var loadSettings: OpenSearchAdmin.LoadSettings?
        /// Documents written so far in this run.
        var written: Int64 = 0
    }

    /// Build-row metadata keys.
    enum BuildKey {
        static let target = "target"
        static let inPlace = "in_place"
        static let refreshInterval = "refresh_interval"
        static let replicas = "number_of_replicas"
    }

    /// Continues the recorded build when it is of this version and mode; otherwise starts a new one (dropping a
    /// stale build's target) and creates its index or table.
    func prepareBuild(_ options: Options, lease: inout ProjectionLease) async throws -> Build {
        let checkpoints = database.checkpoints
        let row = try await checkpoints.read(buildRow)
        var metadata = row?.metadata.objectValue ?? JSONObject()
        let recorded = metadata[BuildKey.target]?.stringValue
        let recordedInPlace = metadata[BuildKey.inPlace] == .bool(true)
        var target: String
        var resumed = false
        if let recorded, row?.projectionVersion == projection.version, recordedInPlace == options.inPlace {
            target = recorded
            resumed = true
            logger.info("continuing an interrupted rebuild", metadata: ["projector.target": "\(recorded)"])
        } else {
            if let recorded, !recordedInPlace { try await dropStaleTarget(recorded) }
            if let row, row.cursor != .start {
                // Back to the start; the reset bumps the lease epoch, so take the lease again.
                try await checkpoints.reset(buildRow)
                await lease.release()
                lease = try await acquireBuildLease(options.owner)
            }
            try await database.deadLetters.removeAll(projection: buildRow)
            target = try await newTargetName(inPlace: options.inPlace)
            metadata = [BuildKey.target: .string(target), BuildKey.inPlace: .bool(options.inPlace)]
            try await checkpoints.setVersion(buildRow, projection.version)
            try await checkpoints.setMetadata(buildRow, .object(metadata))
        }
        let loadSettings = try await createTarget(target, metadata: &metadata)
        let cursor = try await checkpoints.read(buildRow)?.cursor ?? .start

        var store = try physicalStore(target, batchSize: options.batchSize)
        if options.inPlace {
            store = InPlaceStore(base: store, version: projection.version)
        } else if !resumed {
            store = FreshTargetStore(base: store)
        }
        var configuration = BatchProcessor.Configuration()
        configuration.cacheCapacity = options.cacheCapacity
        if options.writesBehind {
            var writeBehind = BatchProcessor.WriteBehind(
                maximumDocuments: options.cacheCapacity, maximumInterval: options.checkpointInterval)
            if !options.writesUntouchedEarly { writeBehind.untouchedAfter = nil }
            configuration.writeBehind = writeBehind
        }
        let processor = BatchProcessor(
            projection: projection, store: store, readStream: log.streamReader,
            deadLetter: { [deadLetters = database.deadLetters, buildRow] event, error in
                _ = try await deadLetters.add(projection: buildRow, event: event, error: error)
            },
            configuration: configuration, logger: logger)
        return Build(target: target, resumed: resumed, cursor: cursor, processor: processor, loadSettings: loadSettings)
    }

    /// `<alias or table>__v<version>_<build id>`, or the live table for an in-place rebuild.
    func newTargetName(inPlace: Bool) async throws -> String {
        switch projection.target {
        case .openSearch(let target):
            return IndexName.make(alias: target.index, version: projection.version).description
        case .dynamoDB(let target):
            if inPlace {
                let live = try await ViewTarget.live(projection, stores: stores, checkpoints: database.checkpoints)
                let version = try await database.checkpoints.read(projection.name)?.projectionVersion
                if let version, version >= projection.version {
                    throw RuntimeError(
                        .refused,
                        "an in-place rebuild needs a new version (the view is at \(version)); bump `version:` or "
                            + "rebuild into a new table", projection: projection.name)
                }
                return live.name
            }
            return IndexName.make(alias: target.table, version: projection.version).description
        }
    }

    /// Creates the index (with the definition's settings and mappings, then bulk-load settings) or table when it
    /// does not exist; returns the settings to restore after the load.
    func createTarget(_ name: String, metadata: inout JSONObject) async throws -> OpenSearchAdmin.LoadSettings? {
        switch projection.target {
        case .openSearch(let target):
            let admin = OpenSearchAdmin(
                client: try ViewTarget(projection: projection, stores: stores, name: name).openSearch())
            if try await !admin.exists(name) {
                try await admin.createIndex(
                    name, settings: target.settings.map(JSONValue.object),
                    mappings: target.mappings.map(JSONValue.object))
            }
            if metadata[BuildKey.refreshInterval] == nil {
                let before = try await admin.loadSettings(name)
                metadata[BuildKey.refreshInterval] = before.refreshInterval
                metadata[BuildKey.replicas] = before.numberOfReplicas
                try await database.checkpoints.setMetadata(buildRow, .object(metadata))
            }
            _ = try await admin.beginBulkLoad(name)
            return OpenSearchAdmin.LoadSettings(
                refreshInterval: metadata[BuildKey.refreshInterval] ?? .null,
                numberOfReplicas: metadata[BuildKey.replicas] ?? .null)
        case .dynamoDB(let target):
            _ = try await stores.dynamoDB.ensureTable(name, keyAttribute: target.key)
            return nil
        }
    }

    /// Deletes the target of an abandoned build of another version, unless readers use it.
    func dropStaleTarget(_ name: String) async throws {
        switch projection.target {
        case .openSearch(let target):
            let admin = OpenSearchAdmin(
                client: try ViewTarget(projection: projection, stores: stores, name: name).openSearch())
            guard try await !admin.aliasTargets(target.index).contains(name) else { return }
            try await admin.deleteIndices([name])
        case .dynamoDB:
            let live = try await ViewTarget.live(projection, stores: stores, checkpoints: database.checkpoints)
            guard live.name != name else { return }
            try await stores.dynamoDB.deleteTable(name, waitUntilGone: false)
        }
        logger.info("dropped the target of an abandoned rebuild", metadata: ["projector.target": "\(name)"])
    }

    /// A store writing straight to the physical index or table, with bulks as large as a batch.
    func physicalStore(_ name: String, batchSize: Int) throws -> any ViewStore {
        switch projection.target {
        case .openSearch:
            let client = try ViewTarget(projection: projection, stores: stores, name: name).openSearch()
            return try OpenSearchStore(
                client: client,
                configuration: .init(index: name, maximumBulkDocuments: batchSize, maximumBulkBytes: 16 << 20))
        case .dynamoDB(let target):
            return DynamoDBViewStore(
                configuration: .init(table: name, keyAttribute: target.key, maximumConcurrentWrites: 64),
                client: try stores.dynamoDB)
        }
    }

    /// Restores the index settings changed for the load and refreshes, so the index is complete for searches.
    func finishLoad(_ build: Build) async throws {
        guard let settings = build.loadSettings else { return }
        let admin = OpenSearchAdmin(
            client: try ViewTarget(projection: projection, stores: stores, name: build.target).openSearch())
        try await admin.endBulkLoad(build.target, restoring: settings)
    }
}
