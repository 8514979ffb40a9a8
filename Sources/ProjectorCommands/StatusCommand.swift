public import ArgumentParser
internal import Foundation
internal import ProjectorCore
internal import ProjectorPostgres

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

        enum CodingKeys: String, CodingKey {
            case projection, version, state, owner, position, paused
            case viewVersion = "view_version", lagEvents = "lag_events", lagSeconds = "lag_seconds"
            case lastError = "last_error", errorPosition = "error_position"
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
                encoder.outputFormatting = [.sortedKeys]
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
        let owned = try await ProjectionLease.held(among: names, client: database.client, logger: database.logger)
        var rows: [Row] = []
        for name in names {
            let definition = definitionsByName[name]
            guard let checkpoint = byName[name] else {
                rows.append(
                    Row(
                        projection: name, version: definition?.version, state: "not-started", position: "0:0",
                        paused: false))
                continue
            }
            let filter = definition.map(EventFilter.init(projection:))
            let lag = try? await database.reader.lag(after: checkpoint.cursor, filter: filter ?? .all)
            rows.append(
                Row(
                    projection: name,
                    version: definition?.version,
                    viewVersion: checkpoint.projectionVersion,
                    state: Self.state(checkpoint, owned: owned.contains(name)),
                    owner: checkpoint.owner,
                    position: checkpoint.cursor.description,
                    lagEvents: lag?.events,
                    lagSeconds: lag.map { ($0.seconds * 1000).rounded() / 1000 },
                    paused: checkpoint.paused,
                    lastError: checkpoint.lastError,
                    errorPosition: checkpoint.errorPosition
                ))
        }
        return rows
    }

    /// `paused` wins; a checkpoint that says `running` while no session holds the projection's lease
    /// is `stopped` (its last owner exited or died; `owner` still names it).
    static func state(_ checkpoint: Checkpoint, owned: Bool) -> String {
        if checkpoint.paused { return "paused" }
        if checkpoint.state == "running" && !owned { return "stopped" }
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
