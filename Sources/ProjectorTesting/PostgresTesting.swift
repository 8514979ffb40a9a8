public import Logging
public import PostgresNIO
public import ProjectorCore

/// Connections and clients for integration tests.
public enum PostgresTesting {
    /// A logger that only prints warnings and worse.
    public static var logger: Logger {
        var logger = Logger(label: "projector.test")
        logger.logLevel = .warning
        return logger
    }

    /// A dedicated connection to `url` (TimeZone UTC).
    public static func connect(_ url: DatabaseURL, logger: Logger = PostgresTesting.logger) async throws
        -> PostgresConnection
    {
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database,
            tls: .disable)
        configuration.options.additionalStartupParameters = [("TimeZone", "UTC")]
        return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
    }

    /// Runs `body` with a dedicated connection, closing it afterwards.
    public static func withConnection<Result>(
        _ url: DatabaseURL,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let connection = try await connect(url)
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Creates a temporary event table, runs `body`, and drops it (also when `body` throws).
    public static func withTemporaryEventTable<Result>(
        _ url: DatabaseURL,
        shape: TemporaryEventTable.Shape = .seed(partitions: 32),
        encoding: EventEncoding = .plain,
        _ body: (TemporaryEventTable, PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection(url) { connection in
            let table = try await TemporaryEventTable.create(
                url: url, shape: shape, encoding: encoding, on: connection, logger: logger)
            do {
                let result = try await body(table, connection)
                try await table.drop(on: connection, logger: logger)
                return result
            } catch {
                try? await table.drop(on: connection, logger: logger)
                throw error
            }
        }
    }
}
