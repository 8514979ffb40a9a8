import PostgresNIO

extension ProjectorDatabase {
    /// Runs `body` while holding a session advisory lock that every instance takes before setting up view stores
    /// (creating an index behind its alias, a table): instances starting together then set them up one after the
    /// other, and the later ones find what the first created instead of creating a second index behind the alias.
    ///
    /// Uses a dedicated connection (the pool may not run yet); the lock ends with the session if the holder dies.
    public func withBootstrapLock<Result>(_ body: () async throws -> Result) async throws -> Result {
        let connection = try await PostgresConnection.dedicated(
            try connectionConfiguration(), for: "to set up view stores", logger: logger)
        let key = StableHash.lockKey("projector:bootstrap")
        do {
            try await connection.query("SELECT pg_advisory_lock(\(key))", logger: logger)
        } catch {
            try? await connection.close()
            throw ProjectorPostgresError.wrapping(error, doing: "locking the view store set-up")
        }
        do {
            let result = try await body()
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
