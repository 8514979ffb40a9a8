import Logging
import PostgresNIO

/// A batch read run as a named prepared statement: parsed, analysed and (on the read connection, whose plan cache
/// mode forces generic plans) planned once per connection instead of once per read. Planning the read on a table of
/// 32 partitions costs 1–8 ms, more than executing it when the log is caught up.
///
/// PostgresNIO prepares statements by type: their name and SQL are static properties, read when a statement is
/// executed. This statement's text depends on the configured table, columns, filter and limit, so
/// ``execute(_:on:logger:)`` sets it as a task-local value around the call, and the static properties read it there.
/// The name is derived from the SQL, so different texts never share a name on a connection.
struct PreparedEventRead: PostgresPreparedStatement {
    typealias Row = PostgresRow

    /// The statement's name and text.
    struct Text: Sendable {
        var name: String
        var sql: String

        init(sql: String) {
            self.sql = sql
            self.name = "projector_read_" + String(StableHash.fnv1a(sql), radix: 16)
        }
    }

    @TaskLocal static var text = Text(sql: "")

    static var name: String { text.name }
    static var sql: String { text.sql }

    var bindings: PostgresBindings

    func makeBindings() -> PostgresBindings { bindings }

    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }

    /// Runs `query` on `connection` as a prepared statement (preparing it there on first use).
    ///
    /// PostgresNIO remembers a failed preparation per connection and name and answers every later execution with the
    /// same error: a connection on which a prepared read failed must be closed, not reused.
    static func execute(
        _ query: PostgresQuery, on connection: PostgresConnection, logger: Logger
    ) async throws -> AsyncThrowingMapSequence<PostgresRowSequence, PostgresRow> {
        try await $text.withValue(Text(sql: query.sql)) {
            try await connection.execute(PreparedEventRead(bindings: query.binds), logger: logger)
        }
    }
}
