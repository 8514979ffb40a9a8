import Logging
import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorTesting

/// A migrated temporary event table with a running `ProjectorDatabase`.
struct MigratedTable: Sendable {
    let table: TemporaryEventTable
    let database: ProjectorDatabase
    var configuration: ProjectorConfiguration { table.configuration }
}

/// Runs `body` against a fresh, migrated event table; `nil` (skipped) without a server.
func withMigratedTable(
    shape: TemporaryEventTable.Shape = .seed(partitions: 32),
    encoding: EventEncoding = .plain,
    configure: (inout ProjectorConfiguration) -> Void = { _ in },
    _ body: (MigratedTable, PostgresConnection) async throws -> Void
) async throws {
    guard let url = try TestServers.databaseURL() else { return }
    try await PostgresTesting.withTemporaryEventTable(url, shape: shape, encoding: encoding) { table, connection in
        var configuration = table.configuration
        configure(&configuration)
        let adjusted = configuration
        try await ProjectorDatabase.withDatabase(configuration: adjusted, logger: PostgresTesting.logger) { database in
            try await database.migrator.migrate(client: database.client)
            try await PostgresTesting.withConnection(url) { connection in
                try await body(MigratedTable(table: table, database: database), connection)
            }
        }
    }
}

/// Reads every event after `cursor` until a read comes back not full.
func readAll(_ reader: EventReader, after cursor: EventCursor = .start, batchSize: Int = 1000) async throws -> [Event] {
    var events: [Event] = []
    var cursor = cursor
    while true {
        let batch = try await reader.readBatch(after: cursor, limit: batchSize)
        events += batch.events
        if let last = batch.lastCursor { cursor = last }
        if !batch.isFull { return events }
    }
}

/// Runs one SQL statement on a connection.
func execute(_ sql: String, on connection: PostgresConnection) async throws {
    try await connection.query(PostgresQuery(unsafeSQL: sql), logger: PostgresTesting.logger)
}

/// Events for `count` seqs of one stream.
func streamEvents(_ stream: String, seqs: ClosedRange<Int>, service: String = "svc", type: String = "happened")
    -> [TestEvent]
{
    seqs.map { TestEvent(service: service, stream: stream, seq: $0, type: type, data: ["n": .int($0)]) }
}

/// Reads until `count` events arrived or 20 s passed (other tests' transactions anywhere in
/// the cluster may hold the watermark back for a moment).
func readUntil(_ reader: EventReader, count: Int, batchSize: Int) async throws -> [Event] {
    let deadline = ContinuousClock.now + .seconds(20)
    var events: [Event] = []
    var cursor = EventCursor.start
    while events.count < count, ContinuousClock.now < deadline {
        let batch = try await reader.readBatch(after: cursor, limit: batchSize)
        events += batch.events
        if let last = batch.lastCursor { cursor = last }
        if !batch.isFull { try await Task.sleep(for: .milliseconds(20)) }
    }
    return events
}

/// Runs `body` with a ``FaultProxy`` in front of the server of `url`, and the URL that goes through it.
func withProxy<Result>(
    to url: DatabaseURL, _ body: (FaultProxy, DatabaseURL) async throws -> Result
) async throws -> Result {
    try await FaultProxy.with(upstream: "tcp://\(url.host):\(url.port)") { proxy in
        var proxied = url
        proxied.host = "127.0.0.1"
        proxied.port = proxy.port
        return try await body(proxy, proxied)
    }
}
