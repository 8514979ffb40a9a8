public import Logging
public import PostgresNIO

extension ProjectionLease {
    /// The projections among `projections` whose lease some session of this database holds right now,
    /// read from `pg_locks` (readable by every role). `status` uses it to tell a projection an
    /// instance is running from one whose last owner has gone away.
    public static func held(
        among projections: [String], client: PostgresClient, logger: Logger
    ) async throws -> Set<String> {
        let byKey = Dictionary(projections.map { (lockKey(for: $0), $0) }, uniquingKeysWith: { first, _ in first })
        let query: PostgresQuery = """
            SELECT ((classid::int8 << 32) | objid::int8) FROM pg_locks
            WHERE locktype = 'advisory' AND objsubid = 1 AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """
        var held: Set<String> = []
        do {
            for try await key in try await client.query(query, logger: logger).decode(Int64.self) {
                if let name = byKey[key] { held.insert(name) }
            }
        } catch {
            throw ProjectorPostgresError.wrapping(error, doing: "reading the held leases")
        }
        return held
    }
}
