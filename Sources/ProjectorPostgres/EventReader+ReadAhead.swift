import PostgresNIO
public import ProjectorCore

extension EventReader {
    /// Events per query while reading ahead for batches of `batchSize`: twenty batches, at most 20,000 events
    /// (what a stopped consumer leaves for the connection to discard), never less than one batch. Long queries
    /// matter: between two queries the pipeline runs dry (the client decodes the last rows while the server waits,
    /// then the server plans and starts the next query while the client waits). Longer ones (a hundred batches)
    /// read about 13 % faster at batch 1,000, but a consumer that stops early then leaves up to megabytes of rows
    /// unread, and closing the connection behind them hung now and then in tests of shutdown while catching up.
    public static func readAheadQueryLimit(batchSize: Int) -> Int {
        max(batchSize, min(batchSize * 20, 20_000))
    }

    /// Catch-up reading: hands `consume` the batches after `cursor` in delivery order while a child task already
    /// reads and decodes the next one, so decoding overlaps whatever `consume` does (folding, writing).
    ///
    /// The reader is at most one batch ahead: the next batch waits, decoded, until `consume` is done with the
    /// current one (plus the rows PostgresNIO buffers). With ``streamingConnection`` set, batches stream from
    /// queries of ``readAheadQueryLimit(batchSize:)`` events on a dedicated connection opened for this call;
    /// without it, one pooled query per batch. Every query reads below its own watermark exactly like
    /// ``readBatch(after:limit:filter:)``, so the order and the watermark rule are unchanged. Nothing is committed
    /// here: what `consume` did not get is simply read again by the next reader.
    ///
    /// Stops after handing over the first batch that is not full (caught up for now; it may be empty and carries
    /// the watermark), when `consume` returns false, or on the first error (read errors are wrapped like
    /// `readBatch`'s, errors of `consume` are rethrown unchanged). The read-ahead task is cancelled on return.
    ///
    /// - Returns: the last batch `consume` got, `nil` when none.
    @discardableResult
    public func readAhead(
        after cursor: EventCursor,
        batchSize: Int,
        filter: EventFilter = .all,
        _ consume: (EventBatch) async throws -> Bool
    ) async throws -> EventBatch? {
        let limit = Self.readAheadQueryLimit(batchSize: batchSize)
        let handoff = Rendezvous<EventBatch>()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    if let configuration = self.streamingConnection {
                        try await self.withStreamingConnection(configuration) { connection in
                            try await self.produce(
                                after: cursor, batchSize: batchSize, limit: limit, filter: filter, on: connection,
                                into: handoff)
                        }
                    } else {
                        // Pooled: one batch per query, so no pooled connection is held while waiting on the consumer.
                        try await self.produce(
                            after: cursor, batchSize: batchSize, limit: batchSize, filter: filter, on: nil,
                            into: handoff)
                    }
                    handoff.finish()
                } catch {
                    handoff.finish(throwing: error)
                }
            }
            defer {
                handoff.cancel()
                group.cancelAll()
            }
            var consumed: EventBatch?
            while let batch = try await handoff.receive() {
                consumed = batch
                guard try await consume(batch), batch.isFull else { break }
            }
            return consumed
        }
    }

    /// Reads batches after `cursor` into `handoff` until a read comes back not full.
    private func produce(
        after cursor: EventCursor, batchSize: Int, limit: Int, filter: EventFilter, on connection: PostgresConnection?,
        into handoff: Rendezvous<EventBatch>
    ) async throws {
        var position = cursor
        while true {
            let last = try await streamBatches(
                after: position, batchSize: batchSize, limit: limit, filter: filter, on: connection
            ) { batch in
                try await handoff.send(batch)
                return true
            }
            guard let last, last.isFull, let next = last.lastCursor else { return }
            position = next
        }
    }

    /// `configuration` for the dedicated connection of catch-up reads: with `enable_sort` off, so that a read walks
    /// the `(tx_id, position)` index in order. With a service or type filter the planner underestimates the matching
    /// rows and would rather collect every row after the cursor and sort them, for each query (five times slower on
    /// 300,000 events, and growing with the table).
    static func catchUpConfiguration(_ configuration: PostgresConnection.Configuration)
        -> PostgresConnection.Configuration
    {
        var configuration = configuration
        configuration.options.additionalStartupParameters.append(("enable_sort", "off"))
        return configuration
    }

    /// Opens a dedicated connection for `body` and closes it after.
    private func withStreamingConnection(
        _ configuration: PostgresConnection.Configuration,
        _ body: (PostgresConnection) async throws -> Void
    ) async throws {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: Self.catchUpConfiguration(configuration), id: Int.random(in: 1...Int(Int32.max)),
                logger: logger)
        } catch {
            throw ProjectorPostgresError.wrapping(error, doing: "connecting to read events from \(layout.table)")
        }
        do {
            try await body(connection)
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
    }
}
