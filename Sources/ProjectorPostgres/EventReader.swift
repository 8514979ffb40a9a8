public import Logging
import NIOCore
public import PostgresNIO
public import ProjectorCore

/// Reads the event table: batches in delivery order below the watermark, one stream's
/// events by sequence, the head, counts and lag. Stateless; every call uses a pooled
/// connection of `client` (whose `run()` must be running).
public struct EventReader: Sendable {
    /// The pool each read takes a connection from.
    public let client: PostgresClient
    /// The event table and its column names.
    public let layout: EventTableLayout
    /// Settings for the dedicated connection that catch-up reads stream on
    /// (``readAhead(after:batchSize:filter:_:)``); `nil` to read ahead one pooled query per batch instead.
    /// Streaming holds its connection while the consumer works, so it must not come from the pool the consumer
    /// needs for its checkpoint writes (with every pooled connection streaming, nobody could commit).
    public var streamingConnection: PostgresConnection.Configuration?
    /// Whether batch reads pack chunks of events into each row (``packedChunk(limit:)``); `false` (the default) sends
    /// one event per row. Packing halves the client's CPU per event (3.9 → 1.4 µs on a pruned read) but costs the
    /// server more, and a read is bound by its one server backend: on two cores the tail fell from 155k to 120k
    /// events/s, the rebuild from 121k to 105k and the service end to end from 59k to 46k. It pays where the
    /// database has cores to spare and the projector does not.
    public var packsEvents = false
    /// Shared by every copy of this reader: set once a packed read failed where one event per row would not
    /// (``packedReadCanCause(_:)``); reads then send one event per row for the rest of the process.
    let packedReads = PackedReadSwitch()
    let logger: Logger
    let decoder: EventRowDecoder

    /// A reader without a streaming connection (see ``streamingConnection``).
    public init(client: PostgresClient, layout: EventTableLayout, logger: Logger) {
        self.client = client
        self.layout = layout
        self.logger = logger
        self.decoder = EventRowDecoder(layout: layout)
    }

    /// Up to `limit` events after `cursor` in `(tx_id, position)` order, only from
    /// transactions below the watermark `pg_snapshot_xmin(pg_current_snapshot())`: never an
    /// uncommitted event, and never one that could still be overtaken by a late commit.
    ///
    /// - Parameter connection: a read connection (``openReadConnection()``), where the read runs as a prepared
    ///   statement; `nil` for a pooled connection of ``client`` and a one-off statement.
    public func readBatch(
        after cursor: EventCursor, limit: Int, filter: EventFilter = .all, on connection: PostgresConnection? = nil
    ) async throws -> EventBatch {
        var read = EventBatch(events: [], watermark: 0, eventsAboveWatermark: false, isFull: false)
        try await streamBatches(after: cursor, batchSize: limit, limit: limit, filter: filter, on: connection) {
            read = $0
            return true
        }
        return read
    }

    /// Reads up to `limit` events after `cursor` like ``readBatch(after:limit:filter:)``, in one query under one
    /// watermark, and hands them to `body` in batches of `batchSize` as soon as each is decoded, while the server
    /// goes on sending the next rows (bounded by PostgresNIO's row buffer and the socket).
    ///
    /// A batch is full when more events followed it in this read, or when the read reached `limit`. The last batch
    /// may be empty, so `body` always sees the watermark. Every batch carries the read's watermark.
    ///
    /// - Parameters:
    ///   - connection: where to run the query, as a prepared statement: a read connection
    ///     (``openReadConnection()``), to be closed after any error (PostgresNIO keeps a failed preparation's error
    ///     for the connection's lifetime). `nil` for a pooled connection of ``client`` (held until the read ends,
    ///     also while `body` runs) and a one-off statement.
    ///   - body: gets each batch in order; return false to stop (the rest of the read is discarded).
    ///     Its errors are rethrown unchanged.
    /// - Returns: the last batch handed over, or `nil` when `body` stopped the read.
    @discardableResult
    public func streamBatches(
        after cursor: EventCursor,
        batchSize: Int,
        limit: Int,
        filter: EventFilter = .all,
        on connection: PostgresConnection? = nil,
        _ body: (EventBatch) async throws -> Bool
    ) async throws -> EventBatch? {
        let batchSize = max(1, batchSize)
        let limit = max(batchSize, limit)
        let doing = "reading events from \(layout.table)"
        // Packed only when a chunk size divides the limit (``batchQuery(after:limit:filter:packed:)``).
        var packed = packsEvents && !packedReads.isOff && Self.packedChunk(limit: limit) != nil
        var rows = try await openRows(
            after: cursor, limit: limit, filter: filter, packed: packed, on: connection, doing: doing)
        var decoder = decoder
        decoder.dataKeys = filter.dataFields.map(layout.prunedDataKeys)
        var events: [Event] = []
        events.reserveCapacity(min(batchSize, 10_000))
        var watermark: UInt64 = 0
        var above = false
        /// Until the current query's first row, which carries its watermark (every row does in a packed read).
        var awaitingWatermark = true
        var total = 0
        var previous = cursor
        /// After a packed read failed: logs it, turns packing off and reads the rest one event per row, after the
        /// last event decoded (a later snapshot only adds events after it: all decoded ones are below the first
        /// read's watermark). False when packing was not the cause (`packingCaused`, or ``packedReadCanCause(_:)``).
        func unpack(after failure: ProjectorPostgresError, packingCaused: Bool = false) async throws -> Bool {
            guard packed, packingCaused || Self.packedReadCanCause(failure) else { return false }
            packed = false
            if packedReads.turnOff() {
                logger.warning(
                    "a read of events packed in chunks failed; reading one event per row from now on",
                    metadata: ["projector.error": "\(failure)", "projector.position": "\(previous)"])
            }
            rows = try await openRows(
                after: previous, limit: limit - total, filter: filter, packed: false, on: connection, doing: doing)
            awaitingWatermark = true
            return true
        }
        /// Hands `events` to `body` as a full batch, then starts the next batch with `next`.
        func handOver(startingNext next: [Event] = []) async throws -> Bool {
            let batch = EventBatch(events: events, watermark: watermark, eventsAboveWatermark: above, isFull: true)
            events = next
            events.reserveCapacity(min(batchSize, 10_000))
            return try await body(batch)
        }
        while true {
            let row: PostgresRow?
            do {
                row = try await rows.next()
            } catch {
                let failure = ProjectorPostgresError.wrapping(error, doing: doing)
                guard total < limit, try await unpack(after: failure) else { throw failure }
                continue
            }
            guard let row else { break }
            if events.count == batchSize, packed || !awaitingWatermark {
                // Another row with events follows (only the row of a packed read that found none has none): full.
                guard try await handOver() else { return nil }
            }
            let start = events.count
            if packed || awaitingWatermark {
                (watermark, above) = try decoder.decodeBatchRow(row, into: &events)
                awaitingWatermark = false
            } else {
                events.append(try decoder.decode(row))
            }
            // Rows and the events packed in them arrive in delivery order; checked, as nothing else would notice.
            var last = previous
            var disorder: ProjectorPostgresError?
            for index in start..<events.count {
                let cursor = events[index].cursor
                guard cursor > last else {
                    disorder = ProjectorPostgresError(
                        .malformedRow, "\(doing): event \(cursor) arrived after \(last), out of order")
                    break
                }
                last = cursor
            }
            if let disorder {
                // This row's events are dropped and read again, one per row.
                events.removeSubrange(start...)
                guard try await unpack(after: disorder, packingCaused: true) else { throw disorder }
                continue
            }
            total += events.count - start
            previous = last
            while events.count > batchSize {
                // More events follow: this batch is full. The events after it start the next one (copied: batch sizes
                // are mostly multiples of the chunk size, so a row rarely straddles two batches).
                let rest = Array(events[batchSize...])
                events.removeLast(events.count - batchSize)
                guard try await handOver(startingNext: rest) else { return nil }
            }
        }
        guard !awaitingWatermark else {
            throw ProjectorPostgresError(.malformedRow, "\(doing): the read ended without its watermark row")
        }
        let last = EventBatch(events: events, watermark: watermark, eventsAboveWatermark: above, isFull: total >= limit)
        return try await body(last) ? last : nil
    }

    func batchQuery(after cursor: EventCursor, limit: Int, filter: EventFilter, packed: Bool) -> PostgresQuery {
        let table = layout.table.quoted
        var bindings = PostgresBindings(capacity: 6)
        bindings.append(TransactionID(cursor.transactionID))
        bindings.append(cursor.position)
        var selectList = layout.eventSelectList
        if let fields = filter.dataFields {
            selectList = layout.eventSelectList(fields: fields, firstParameter: bindings.count + 1)
            for key in layout.prunedDataKeys(fields) { bindings.append(key) }
        }
        let conditions = filterConditions(filter, bindings: &bindings)
        func events(_ columns: String, after cursor: String, below watermark: String, limit: Int) -> String {
            """
            SELECT \(columns) FROM \(table)
              WHERE (tx_id, position) > (\(cursor)) AND tx_id < \(watermark)\(conditions)
              ORDER BY tx_id, position LIMIT \(limit)
            """
        }
        let watermark = """
            w AS MATERIALIZED (
              SELECT x.xmin, EXISTS (SELECT 1 FROM \(table) t WHERE t.tx_id >= x.xmin) AS pending
              FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin) x
            )
            """
        // The limit is part of the text, not a parameter: a generic plan then still knows how few rows it needs.
        guard packed, let chunk = Self.packedChunk(limit: limit) else {
            // Each row is one record: one cell costs the client far less than ten. The first row is the watermark
            // record (`EventRowDecoder.decodeBatchRow`), then one event record per row (`EventRowDecoder.decode`). A
            // UNION ALL sends each event's record as it is, where a lateral join built a second record around each
            // one: 4–5 % less server CPU per event. A plan that is not parallel runs the UNION's branches in order (the
            // read connection turns parallel plans off); the decoder rejects an event that comes before the watermark.
            let sql = """
                WITH \(watermark)
                SELECT ROW(w.xmin, w.pending) FROM w
                UNION ALL
                (\(events("ROW(\(selectList))", after: "$1, $2", below: "(SELECT xmin FROM w)", limit: limit)))
                """
            return PostgresQuery(unsafeSQL: sql, binds: bindings)
        }
        // Packed: each row carries the next `chunk` events as an array of records, each chunk read after the last
        // event of the one before (the recursion streams: a row goes out as soon as its chunk is read).
        let sql = """
            WITH RECURSIVE \(watermark),
            c AS (
              SELECT 0 AS n, $1::xid8 AS tx, $2::int8 AS pos, NULL::record[] AS events
              UNION ALL
              SELECT c.n + 1, x.tx, x.pos, x.events FROM c CROSS JOIN w CROSS JOIN LATERAL (
                SELECT array_agg(ROW(e.*)) AS events, (array_agg(e.tx_id))[count(*)] AS tx,
                  (array_agg(e.position))[count(*)] AS pos
                FROM (\(events(selectList, after: "c.tx, c.pos", below: "w.xmin", limit: chunk))) e
              ) x
              WHERE c.n < \(limit / chunk) AND x.events IS NOT NULL
            )
            SELECT ROW(w.xmin, w.pending, c.events) FROM w LEFT JOIN c ON c.n > 0
            """
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    /// Events per row of a packed batch read of `limit` events: the largest divisor of `limit` from 100 to 500, so
    /// that whole chunks make up the limit; `nil` (one event per row) when there is none.
    ///
    /// Every row costs the client ~2 µs however small (PostgresNIO's per-message state handling, an async step per
    /// row), several times the decoding of a pruned event; a chunk of a few hundred events makes that negligible.
    /// Each chunk starts a new ordered index scan (on a partitioned table, one per partition), which small chunks
    /// would make the server's main cost.
    static func packedChunk(limit: Int) -> Int? {
        stride(from: min(500, limit), through: 100, by: -1).first { limit % $0 == 0 }
    }

    /// `AND …` conditions for `filter`, binding its values after those already in `bindings`.
    func filterConditions(_ filter: EventFilter, bindings: inout PostgresBindings) -> String {
        var conditions = ""
        if let services = filter.services {
            bindings.append(services)
            conditions += " AND \(layout.columns.service.quoted)::text = ANY($\(bindings.count))"
        }
        if let types = filter.types {
            bindings.append(layout.typeKey)
            let keyIndex = bindings.count
            bindings.append(layout.storedTypeSpellings(types))
            conditions += " AND (\(layout.columns.data.quoted) ->> $\(keyIndex)) = ANY($\(bindings.count))"
        }
        return conditions
    }

    /// The events of one stream with `afterSeq < seq <= upToSeq`, ordered by seq, all types,
    /// committed ones only (for refolding a document and `preview`). Not limited by the watermark.
    public func streamEvents(
        service: String,
        stream: String,
        afterSeq: Int64 = 0,
        upToSeq: Int64? = nil
    ) async throws -> [Event] {
        let c = layout.columns
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(service)
        bindings.append(stream)
        bindings.append(afterSeq)
        bindings.append(upToSeq ?? Int64.max)
        let sql = """
            SELECT \(layout.eventRecord) FROM \(layout.table.quoted)
            WHERE \(c.service.quoted)::text = $1 AND \(c.stream.quoted)::text = $2
              AND \(c.seq.quoted) > $3 AND \(c.seq.quoted) <= $4
            ORDER BY \(c.seq.quoted)
            """
        return try await events(
            PostgresQuery(unsafeSQL: sql, binds: bindings), doing: "reading stream \(service)/\(stream)")
    }

    /// The events of all streams with the given aggregate id (any service), ordered by
    /// service and seq. For `preview --key` when the service is not known.
    public func streamEvents(stream: String) async throws -> [Event] {
        let c = layout.columns
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(stream)
        let sql = """
            SELECT \(layout.eventRecord) FROM \(layout.table.quoted)
            WHERE \(c.stream.quoted)::text = $1 ORDER BY \(c.service.quoted), \(c.seq.quoted)
            """
        return try await events(PostgresQuery(unsafeSQL: sql, binds: bindings), doing: "reading stream \(stream)")
    }

    private func events(_ query: PostgresQuery, doing: String) async throws -> [Event] {
        do {
            var events: [Event] = []
            var decoder = decoder
            for try await row in try await client.query(query, logger: logger) {
                events.append(try decoder.decode(row))
            }
            return events
        } catch {
            throw ProjectorPostgresError.wrapping(error, doing: doing)
        }
    }

    /// The cursor of the newest committed event (watermark or not), `nil` for an empty table.
    public func headCursor() async throws -> EventCursor? {
        let sql = "SELECT tx_id, position FROM \(layout.table.quoted) ORDER BY tx_id DESC, position DESC LIMIT 1"
        do {
            for try await (tx, position) in try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                .decode((TransactionID, Int64).self)
            {
                return EventCursor(transactionID: tx.rawValue, position: position)
            }
            return nil
        } catch {
            throw ProjectorPostgresError.wrapping(error, doing: "reading the head of \(layout.table)")
        }
    }

    /// How far `cursor` is behind the head: committed events after it (matching `filter`)
    /// and the age in seconds of the oldest of them (0 when caught up).
    ///
    /// - Parameter limit: count at most this many events, the next ones in delivery order (the age is then that of
    ///   the oldest of those): a bounded index range instead of a scan to the head, for measuring lag often while
    ///   far behind. `nil` counts them all.
    public func lag(after cursor: EventCursor, filter: EventFilter = .all, limit: Int? = nil) async throws -> EventLag {
        var bindings = PostgresBindings(capacity: 6)
        bindings.append(TransactionID(cursor.transactionID))
        bindings.append(cursor.position)
        let conditions = filterConditions(filter, bindings: &bindings)
        let createdAt = layout.columns.createdAt.quoted
        let source: String
        if let limit {
            bindings.append(Int64(max(1, limit)))
            source = """
                (SELECT \(createdAt) FROM \(layout.table.quoted) WHERE (tx_id, position) > ($1, $2)\(conditions)
                 ORDER BY tx_id, position LIMIT $\(bindings.count)) AS next_events
                """
        } else {
            source = "\(layout.table.quoted) WHERE (tx_id, position) > ($1, $2)\(conditions)"
        }
        let sql = """
            SELECT count(*)::int8, COALESCE(EXTRACT(EPOCH FROM now() - min(\(createdAt)::timestamptz)), 0)::float8
            FROM \(source)
            """
        do {
            let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            for try await (count, seconds) in rows.decode((Int64, Double).self) {
                return EventLag(events: count, seconds: max(0, seconds))
            }
            return EventLag(events: 0, seconds: 0)
        } catch {
            throw ProjectorPostgresError.wrapping(error, doing: "measuring lag on \(layout.table)")
        }
    }

    /// Number of committed events after `cursor` matching `filter` (for progress bars).
    public func countEvents(after cursor: EventCursor, filter: EventFilter = .all) async throws -> Int64 {
        try await lag(after: cursor, filter: filter).events
    }
}

/// How far a cursor is behind the head of the log.
public struct EventLag: Sendable, Hashable {
    /// Committed events after the cursor.
    public var events: Int64
    /// Age of the oldest of them, in seconds; 0 when there are none.
    public var seconds: Double

    /// A lag value.
    public init(events: Int64, seconds: Double) {
        self.events = events
        self.seconds = seconds
    }
}
