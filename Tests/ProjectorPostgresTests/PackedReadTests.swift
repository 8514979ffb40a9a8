import PostgresNIO
import ProjectorCore
@testable import ProjectorPostgres
import ProjectorTesting
import Testing

/// Batch reads whose limit a chunk size divides come as rows of chunks of events (`EventReader.packedChunk`): they
/// deliver exactly what reads of one event per row deliver — the same events in the same order, filtered and pruned
/// alike — across chunks, transactions and partitions, on pooled and read connections.
@Suite(.timeLimit(.minutes(2))) struct PackedReadTests {
    @Test func chunkSizesDivideTheLimit() {
        #expect(EventReader.packedChunk(limit: 20_000) == 500)
        #expect(EventReader.packedChunk(limit: 1_000) == 500)
        #expect(EventReader.packedChunk(limit: 600) == 300)
        #expect(EventReader.packedChunk(limit: 150) == 150)
        #expect(EventReader.packedChunk(limit: 99) == nil)
        #expect(EventReader.packedChunk(limit: 1_009) == nil)
    }

    @Test func packedReadsDeliverWhatUnpackedReadsDeliver() async throws {
        do { try await packedReads() } catch { Issue.record("\(String(reflecting: error))") }
    }

    func packedReads() async throws {
        try await withMigratedTable(shape: .seed(partitions: 4)) { migrated, connection in
            // 1,250 events in 5 transactions, 2 services, 2 types, many streams.
            let streams = (0..<37).map { _ in TestEvent.uuid() }
            for transaction in 0..<5 {
                var events: [TestEvent] = []
                for index in 0..<250 {
                    let n = transaction * 250 + index
                    events.append(
                        TestEvent(
                            service: n % 3 == 0 ? "other" : "svc", stream: streams[n % 37], seq: n + 1,
                            type: n % 2 == 0 ? "opened" : "closed", data: ["n": .int(n), "pad": "x"]))
                }
                try await migrated.table.insert(events, on: connection, logger: PostgresTesting.logger)
            }
            var reader = migrated.database.reader
            reader.packsEvents = true
            let read = try #require(try await reader.openReadConnection())
            defer { Task { try? await read.close() } }
            let filters = [
                EventFilter.all, EventFilter(services: ["svc"], types: ["opened"]),
                EventFilter(types: ["closed"], dataFields: ["n"]),
            ]
            for filter in filters {
                // 1,009 has no chunk size: one event per row.
                let unpacked = try await readAll(reader, limit: 1_009, filter: filter, on: nil)
                #expect(unpacked.count == expectedCount(filter))
                for (limit, connection) in [(1_000, nil), (600, read), (100, read)] as [(Int, PostgresConnection?)] {
                    let packed = try await readAll(reader, limit: limit, filter: filter, on: connection)
                    #expect(packed == unpacked, "limit \(limit), \(filter)")
                }
                var streamed: [Event] = []
                try await reader.readAhead(after: .start, batchSize: 50, filter: filter, on: read) { batch in
                    #expect(batch.events.count <= 50)
                    streamed += batch.events
                    return true
                }
                #expect(streamed == unpacked)
            }
            // A full packed read returns exactly its limit; a read past the end is empty and not full.
            let first = try await reader.readBatch(after: .start, limit: 1_000)
            #expect(first.events.count == 1_000 && first.isFull)
            let last = try #require(first.lastCursor)
            let rest = try await reader.readBatch(after: last, limit: 1_000)
            #expect(rest.events.count == 250 && !rest.isFull)
            let end = try await reader.readBatch(after: try #require(rest.lastCursor), limit: 1_000)
            #expect(end.events.isEmpty && !end.isFull && end.watermark > 0)
        }
    }

    func expectedCount(_ filter: EventFilter) -> Int {
        (0..<1_250).filter { n in
            (filter.services?.contains(n % 3 == 0 ? "other" : "svc") ?? true)
                && (filter.types?.contains(n % 2 == 0 ? "opened" : "closed") ?? true)
        }.count
    }

    /// Every event matching `filter`, read in batches of `limit`.
    func readAll(
        _ reader: EventReader, limit: Int, filter: EventFilter, on connection: PostgresConnection?
    ) async throws -> [Event] {
        var events: [Event] = []
        var cursor = EventCursor.start
        while true {
            let batch = try await reader.readBatch(after: cursor, limit: limit, filter: filter, on: connection)
            events += batch.events
            if let last = batch.lastCursor { cursor = last }
            if !batch.isFull { return events }
        }
    }
}
