import Logging
import NIOCore
import PostgresNIO
import ProjectorCore
import Synchronization

extension EventReader {
    /// True for server errors a packed read (chunks of events per row, ``packedChunk(limit:)``) can meet where one
    /// event per row would not: a chunk's array is one value, and PostgreSQL refuses values of 1 GB or more
    /// (`54000` "array size exceeds the maximum allowed", `XX000` "invalid memory alloc request size") or runs out of
    /// memory building it (`53200`). A run of large events (a chunk of 100 events of 11 MB each) would otherwise stop
    /// every read at the same place.
    static func packedReadCanCause(_ error: ProjectorPostgresError) -> Bool {
        guard let state = error.sqlState else { return false }
        return state.hasPrefix("54") || state == "53200" || state == "XX000"
    }

    /// Runs a batch read of up to `limit` events after `cursor` (``batchQuery(after:limit:filter:packed:)``) and
    /// returns its rows: on `connection` as a prepared statement, or pooled when `nil`.
    func openRows(
        after cursor: EventCursor, limit: Int, filter: EventFilter, packed: Bool, on connection: PostgresConnection?,
        doing: String
    ) async throws -> AsyncThrowingMapSequence<PostgresRowSequence, PostgresRow>.AsyncIterator {
        do {
            let query = batchQuery(after: cursor, limit: limit, filter: filter, packed: packed)
            if let connection {
                // PostgresNIO loses a statement written to a closed channel (its caller would wait forever).
                guard !connection.isClosed else {
                    throw ProjectorPostgresError(.connectionFailed, "\(doing) failed: the connection is closed")
                }
                return try await PreparedEventRead.execute(query, on: connection, logger: logger).makeAsyncIterator()
            }
            return try await client.query(query, logger: logger).map { $0 }.makeAsyncIterator()
        } catch {
            throw ProjectorPostgresError.wrapping(error, doing: doing)
        }
    }
}

/// Whether the packed reads of one ``EventReader`` (and its copies) failed once; then they stay off.
final class PackedReadSwitch: Sendable {
    private let failed = Atomic<Bool>(false)

    /// True once ``turnOff()`` was called.
    var isOff: Bool { failed.load(ordering: .relaxed) }

    /// Turns packed reads off; true for the call that did it (the one to log it).
    func turnOff() -> Bool {
        !failed.exchange(true, ordering: .relaxed)
    }
}
