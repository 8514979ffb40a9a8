public import ArgumentParser
internal import Foundation
internal import ProjectorCore
internal import ProjectorPostgres
internal import ProjectorRuntime

/// `projector status`: where every projection stands, read from the checkpoints table.
public struct StatusCommand: AsyncParsableCommand {
    /// Name, abstract and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each projection's version, state, owner, position, lag and last error."
    )

    @Flag(help: "Print one JSON object per projection, one per line.")
    var json = false

    @OptionGroup var global: GlobalOptions

    /// Creates the command with default options; ArgumentParser fills them from the command line.
    public init() {}

    struct Row: Encodable {
        var projection: String
        var version: Int?
        var viewVersion: Int?
        var state: String
        var owner: String?
        var position: String
        var lagEvents: Int64?
        var lagSeconds: Double?
        var paused: Bool
        var lastError: String?
        var errorPosition: String?
        /// The DynamoDB table the view lives in now (a new-table rebuild moves it); `nil` for OpenSearch.
        var table: String?

        enum CodingKeys: String, CodingKey {
            case projection, version, state, owner, position, paused, table
            case viewVersion = "view_version", lagEvents = "lag_events", lagSeconds = "lag_seconds"
            case lastError = "last_error", errorPosition = "error_position"
        }

        /// Every key is always present (`null` when unknown), so scripts can rely on the shape.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(projection, forKey: .projection)
            try container.encode(version, forKey: .version)
            try container.encode(viewVersion, forKey: .viewVersion)
            try container.encode(state, forKey: .state)
            try container.encode(owner, forKey: .owner)
            try container.encode(position, forKey: .position)
            try container.encode(lagEvents, forKey: .lagEvents)
            try container.encode(lagSeconds, forKey: .lagSeconds)
            try container.encode(paused, forKey: .paused)
            try container.encode(lastError, forKey: .lastError)
            try container.encode(errorPosition, forKey: .errorPosition)
            try container.encode(table, forKey: .table)
        }
    }

    /// Prints one row per projection (defined or checkpointed) as a table, or JSON lines with `--json`.
    public func run() async throws {
        try await ServiceCommandSupport.reportingFailures {
            let configuration = try global.loadConfiguration()
            let definitions = ProjectionLoader.load(path: configuration.projectionsPath).projections
            let logger = ServiceCommandSupport.logger()
            let rows: [Row]
            do {
                rows = try await ProjectorDatabase.withDatabase(configuration: configuration, logger: logger) {
                    database in try await Self.rows(database: database, definitions: definitions)
                }
            } catch {
                throw CommandFailure.failed("status", error)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                for row in rows {
                    CommandSupport.printLine(String(decoding: try encoder.encode(row), as: UTF8.self))
                }
            } else {
                CommandSupport.printLine(Self.table(rows))
            }
        }
    }

    static func rows(database: ProjectorDatabase, definitions: [Projection]) async throws -> [Row] {
        let checkpoints = try await database.checkpoints.readAll()
        let byName = Dictionary(checkpoints.map { ($0.projection, $0) }, uniquingKeysWith: { first, _ in first })
        let definitionsByName = Dictionary(definitions.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let names = Set(byName.keys).union(definitionsByName.keys).filter { !$0.hasSuffix("__rebuild") }.sorted()
        let owned = try await ProjectionLease.held(
            among: names + names.map(ProjectionRebuild.buildRowName), client: database.client,
            logger: database.logger)
        var rows: [Row] = []
        for name in names {
            let definition = definitionsByName[name]
            let filter = definition.map(EventFilter.init(projection:))
            var table: String?
            if case .dynamoDB(let target) = definition?.target {
                table = byName[name]?.metadata[ViewTarget.tableMetadataKey]?.stringValue ?? target.table
            }
            let rebuilding = owned.contains(ProjectionRebuild.buildRowName(name))
            guard let checkpoint = byName[name] else {
                // Never run: the whole log of its events is still ahead of it.
                let lag = try? await database.reader.lag(after: .start, filter: filter ?? .all)
                rows.append(
                    Row(
                        projection: name, version: definition?.version,
                        state: rebuilding ? "rebuilding" : "not-started", position: "0:0",
                        lagEvents: lag?.events, lagSeconds: lag.map(\.roundedSeconds), paused: false, table: table))
                continue
            }
            let lag = try? await database.reader.lag(after: checkpoint.cursor, filter: filter ?? .all)
            rows.append(
                Row(
                    projection: name,
                    version: definition?.version,
                    viewVersion: checkpoint.projectionVersion,
                    state: Self.state(checkpoint, owned: owned.contains(name), rebuilding: rebuilding),
                    owner: checkpoint.owner,
                    position: checkpoint.cursor.description,
                    lagEvents: lag?.events,
                    lagSeconds: lag.map(\.roundedSeconds),
                    paused: checkpoint.paused,
                    lastError: checkpoint.lastError,
                    errorPosition: checkpoint.errorPosition,
                    table: table
                ))
        }
        return rows
    }

    /// A rebuild in progress (its build lease is held) shows as `rebuilding` (also while the live projection is
    /// paused for the switch-over) unless the projection failed; else `paused` wins; a checkpoint that says
    /// `running` while no session holds the projection's lease is `stopped` (its last owner exited or died;
    /// `owner` still names it). The checkpoint row's own `idle` is never shown.
    static func state(_ checkpoint: Checkpoint, owned: Bool, rebuilding: Bool = false) -> String {
        if rebuilding && checkpoint.state != "failed" { return "rebuilding" }
        if checkpoint.paused { return "paused" }
        if checkpoint.state == "running" && !owned { return "stopped" }
        // `idle`: the row exists (registered by pause, reset or a rebuild) but no supervisor recorded a state yet.
        if checkpoint.state == "idle" { return owned ? "running" : checkpoint.owner == nil ? "not-started" : "stopped" }
        return checkpoint.state
    }

    static func table(_ rows: [Row]) -> String {
        let header = ["PROJECTION", "VERSION", "STATE", "OWNER", "POSITION", "LAG", "LAG(S)", "LAST ERROR"]
        var lines = [header]
        for row in rows {
            lines.append([
                row.projection,
                row.version.map { version in
                    row.viewVersion.map { $0 == version ? "\(version)" : "\(version) (view \($0))" } ?? "\(version)"
                } ?? "-",
                row.state,
                row.owner ?? "-",
                row.position,
                row.lagEvents.map { "\($0)" } ?? "-",
                row.lagSeconds.map { String(format: "%.1f", $0) } ?? "-",
                row.lastError.map { String($0.prefix(80)) } ?? "",
            ])
        }
        let widths = (0..<header.count).map { column in lines.map { $0[column].count }.max() ?? 0 }
        return lines.map { line in
            line.enumerated().map { column, cell in
                column == line.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

extension EventLag {
    /// Seconds behind, to the millisecond.
    fileprivate var roundedSeconds: Double { (seconds * 1000).rounded() / 1000 }
}
