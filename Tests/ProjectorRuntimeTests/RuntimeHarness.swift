import Foundation
import Logging
import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorRuntime
import ProjectorTesting
import Testing

/// A migrated temporary event table, view-store endpoints and helpers to run the service
/// against them. Skips (returns `nil`) when the servers are not configured outside CI.
struct RuntimeHarness: Sendable {
    let table: TemporaryEventTable
    let database: ProjectorDatabase
    let url: DatabaseURL
    let configuration: ProjectorConfiguration
    let suffix: String

    static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["AWS_ACCESS_KEY_ID"] = environment["AWS_ACCESS_KEY_ID"] ?? "testing"
        environment["AWS_SECRET_ACCESS_KEY"] = environment["AWS_SECRET_ACCESS_KEY"] ?? "testing"
        environment["AWS_REGION"] = environment["AWS_REGION"] ?? "eu-west-1"
        return environment
    }

    static var logger: Logger {
        var logger = Logger(label: "projector.runtime-test")
        logger.logLevel =
            ProcessInfo.processInfo.environment["PROJECTOR_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .warning
        return logger
    }

    /// Runs `body` with a fresh migrated table; returns without running it when servers are absent.
    static func with(
        batchSize: Int = 100,
        _ body: (RuntimeHarness, PostgresConnection) async throws -> Void
    ) async throws {
        guard let url = try TestServers.databaseURL(),
            let openSearch = try TestServers.openSearchURL(),
            let dynamoDB = try TestServers.dynamoDBEndpoint()
        else { return }
        try await PostgresTesting.withTemporaryEventTable(url) { table, connection in
            var configuration = table.configuration
            configuration.openSearch.url = openSearch
            configuration.dynamoDB.endpoint = dynamoDB
            configuration.dynamoDB.region = "eu-west-1"
            configuration.events.batchSize = batchSize
            configuration.events.pollInterval = .milliseconds(200)
            let adjusted = configuration
            try await ProjectorDatabase.withDatabase(configuration: adjusted, logger: logger) { database in
                _ = try await database.migrator.migrate(client: database.client)
                let harness = RuntimeHarness(
                    table: table, database: database, url: url, configuration: adjusted,
                    suffix: TestServers.uniqueSuffix())
                try await body(harness, connection)
            }
        }
    }

    /// Parses a definition written for this test.
    func projection(_ yaml: String) throws -> Projection {
        try ProjectionLoader.parse(yaml, file: "test.yaml")
    }

    /// Service options for tests: no signals, no HTTP unless asked, fast leases.
    func options(owner: String, once: Bool = false) -> ProjectorService.Options {
        var options = ProjectorService.Options(owner: owner)
        options.once = once
        options.httpPort = nil
        options.shutdownSignals = []
        options.supervisor.leaseRetryInterval = .milliseconds(200)
        options.supervisor.controlInterval = .milliseconds(200)
        options.supervisor.retryBackoff = Backoff(initial: .milliseconds(50), maximum: .milliseconds(500))
        return options
    }

    /// Runs the service until every projection caught up with the head at start.
    func runOnce(_ projections: [Projection], board: StatusBoard = StatusBoard()) async throws {
        try await ProjectorService.run(
            configuration: configuration, projections: projections, options: options(owner: "once", once: true),
            environment: Self.environment, board: board, logger: Self.logger)
    }

    /// Starts the service in the background; cancel the task to stop it.
    func start(
        _ projections: [Projection],
        owner: String = "test",
        board: StatusBoard = StatusBoard(),
        metrics: ProjectorMetrics = ProjectorMetrics()
    ) -> Task<Void, any Error> {
        let configuration = configuration
        let options = options(owner: owner)
        return Task {
            try await ProjectorService.run(
                configuration: configuration, projections: projections, options: options,
                environment: Self.environment, metrics: metrics, board: board, logger: Self.logger)
        }
    }

    /// Waits until the projection's checkpoint reached the newest event (at most `timeout`).
    func waitUntilCaughtUp(_ projection: String, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let head = try await database.reader.headCursor(),
                let checkpoint = try await database.checkpoints.read(projection), checkpoint.cursor >= head
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("projection \(projection) did not catch up within \(timeout)")
        throw CancellationError()
    }

    /// Every event of the table in stream order, grouped by stream.
    func eventsByStream() async throws -> [String: [Event]] {
        var events: [Event] = []
        var cursor = EventCursor.start
        while true {
            let batch = try await database.reader.readBatch(after: cursor, limit: 5000)
            events += batch.events
            guard let last = batch.lastCursor, batch.isFull else { break }
            cursor = last
        }
        var streams: [String: [Event]] = [:]
        for event in events { streams[event.stream, default: []].append(event) }
        return streams.mapValues { $0.sorted { $0.seq < $1.seq } }
    }
}

/// Inserts events in their own transaction, optionally holding it open a little before COMMIT.
func append(
    _ events: [TestEvent],
    table: TemporaryEventTable,
    on connection: PostgresConnection,
    holdFor delay: Duration = .zero
) async throws {
    let logger = RuntimeHarness.logger
    try await connection.query("BEGIN", logger: logger)
    do {
        try await table.insert(events, on: connection, logger: logger)
        if delay > .zero { try await Task.sleep(for: delay) }
        try await connection.query("COMMIT", logger: logger)
    } catch {
        try? await connection.query("ROLLBACK", logger: logger)
        throw error
    }
}

/// Strips projector's metadata from a stored body.
func visible(_ body: JSONValue?) -> JSONValue? {
    guard case .object(var object)? = body else { return body }
    object["_projector"] = nil
    return .object(object)
}
