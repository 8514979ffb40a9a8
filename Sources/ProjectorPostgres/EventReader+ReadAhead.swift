public import PostgresNIO
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
    /// - Parameter connection: a read connection (``openReadConnection()``) to stream on; the caller closes it after
    ///   an error or when `consume` stopped early (rows of the last query may still be on their way then).
    ///   `nil` to open one for this call (when ``streamingConnection`` is set).
    /// - Returns: the last batch `consume` got, `nil` when none.
    @discardableResult
    public func readAhead(
        after cursor: EventCursor,
        batchSize: Int,
        filter: EventFilter = .all,
        on connection: PostgresConnection? = nil,
        _ consume: (EventBatch) async throws -> Bool
    ) async throws -> EventBatch? {
        let limit = Self.readAheadQueryLimit(batchSize: batchSize)
        let handoff = Rendezvous<EventBatch>()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    if let connection {
                        try await self.produce(
                            after: cursor, batchSize: batchSize, limit: limit, filter: filter, on: connection,
                            into: handoff)
                    } else if let connection = try await self.openReadConnection() {
                        do {
                            try await self.produce(
                                after: cursor, batchSize: batchSize, limit: limit, filter: filter, on: connection,
                                into: handoff)
                        } catch {
                            try? await connection.close()
                            throw error
                        }
                        try? await connection.close()
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

    /// `configuration` for a read connection, which runs nothing but batch reads, as prepared statements:
    /// - `enable_sort` off, so that a read walks the `(tx_id, position)` index in order. With a service or type filter
    ///   the planner underestimates the matching rows and would rather collect every row after the cursor and sort
    ///   them, for each query (five times slower on 300,000 events, and growing with the table).
    /// - `plan_cache_mode` forcing generic plans: with its own cursor values, PostgreSQL judges each read cheaper
    ///   than the generic plan and would plan it anew every time (1–8 ms on 32 partitions; the generic plan, made
    ///   once per connection, is the same index walk).
    /// - `jit` off: a generic plan of a filtered read looks expensive (its estimate counts the whole index range the
    ///   filter might have to walk), above `jit_above_cost`, so PostgreSQL compiled the same expressions with LLVM
    ///   again for every execution, ~30 ms per read of 5,000 events (the filtered read fell from 160,000 to 40,000
    ///   events/s). A read evaluates a few cheap expressions per row; compiling never pays off.
    /// - `max_parallel_workers_per_gather` 0: a batch read's watermark row must come before its events, which only a
    ///   plan that is not parallel guarantees (it runs the UNION ALL's branches in order). Workers would not help a
    ///   read that walks one index in order and stops after a limit.
    static func readConfiguration(_ configuration: PostgresConnection.Configuration)
        -> PostgresConnection.Configuration
    {
        var configuration = configuration
        configuration.options.additionalStartupParameters.append(("enable_sort", "off"))
        configuration.options.additionalStartupParameters.append(("plan_cache_mode", "force_generic_plan"))
        configuration.options.additionalStartupParameters.append(("jit", "off"))
        configuration.options.additionalStartupParameters.append(("max_parallel_workers_per_gather", "0"))
        return configuration
    }

    /// Opens a connection for batch reads (``readBatch(after:limit:filter:on:)``,
    /// ``readAhead(after:batchSize:filter:on:_:)``), set up by ``readConfiguration(_:)``, or `nil` when the reader
    /// has no ``streamingConnection`` settings. The caller closes it.
    public func openReadConnection() async throws -> PostgresConnection? {
        guard let configuration = streamingConnection else { return nil }
        do {
            return try await PostgresConnection.connect(
                configuration: Self.readConfiguration(configuration), id: Int.random(in: 1...Int(Int32.max)),
                logger: logger)
        } catch {
            throw ProjectorPostgresError.wrapping(error, doing: "connecting to read events from \(layout.table)")
        }
    }
}
