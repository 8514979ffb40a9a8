import PostgresNIO
import ProjectorCore
@testable import ProjectorPostgres
import ProjectorTesting
import Testing

/// A chunk of events packed into one row is one array value, which PostgreSQL caps at 1 GB: a run of large events
/// makes a packed read fail where one event per row reads fine. The reader then reads one event per row from there on
/// and loses nothing.
@Suite(.timeLimit(.minutes(4))) struct PackedReadFallbackTests {
    @Test func serverLimitsOnAChunkTurnPackingOff() {
        func failure(_ state: String?) -> ProjectorPostgresError {
            ProjectorPostgresError(.queryFailed, "reading events failed", sqlState: state)
        }
        #expect(EventReader.packedReadCanCause(failure("54000")))
        #expect(EventReader.packedReadCanCause(failure("XX000")))
        #expect(EventReader.packedReadCanCause(failure("53200")))
        #expect(!EventReader.packedReadCanCause(failure("42P01")))
        #expect(!EventReader.packedReadCanCause(failure(nil)))
    }

    @Test func aChunkOverOneGigabyteIsReadOneEventPerRow() async throws {
        do { try await oversizedChunk() } catch { Issue.record("\(String(reflecting: error))") }
    }

    func oversizedChunk() async throws {
        try await withMigratedTable(shape: .seed(partitions: 4)) { migrated, connection in
            // 100 events of 11 MB each (stored compressed): as one chunk of 100, 1.1 GB.
            try await migrated.table.insertGenerated(
                count: 100, streams: 10, payloadBytes: 11_000_000, on: connection, logger: PostgresTesting.logger)
            var reader = migrated.database.reader
            reader.packsEvents = true
            #expect(EventReader.packedChunk(limit: 100) == 100)
            let read = try #require(try await reader.openReadConnection())
            defer { Task { try? await read.close() } }
            let batch = try await reader.readBatch(after: .start, limit: 100, on: read)
            #expect(batch.events.count == 100)
            #expect(batch.events.map(\.cursor) == batch.events.map(\.cursor).sorted())
            #expect(Set(batch.events.map(\.cursor)).count == 100)
            #expect(batch.events.allSatisfy { $0.data["note"]?.stringValue?.utf8.count ?? 0 > 10_000_000 })
            // Later reads of this reader (and its copies) no longer try packing.
            #expect(reader.packedReads.isOff)
            let again = try await reader.readBatch(after: .start, limit: 100, filter: EventFilter(dataFields: ["n"]))
            #expect(again.events.map(\.cursor) == batch.events.map(\.cursor))
        }
    }
}
