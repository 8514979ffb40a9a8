public import ProjectorCore

extension EventReader {
    /// Events per query while reading ahead for batches of `batchSize`: twenty batches, at most 100,000 events
    /// (what a stopped consumer leaves for the connection to discard), never less than one batch.
    public static func readAheadQueryLimit(batchSize: Int) -> Int {
        max(batchSize, min(batchSize * 20, 100_000))
    }

    /// Catch-up reading: hands `consume` the batches after `cursor` in delivery order while a child task already
    /// reads and decodes the next one, so decoding overlaps whatever `consume` does (folding, writing).
    ///
    /// The reader is at most one batch ahead: the next batch waits, decoded, until `consume` is done with the
    /// current one (plus the rows PostgresNIO buffers). Batches come from queries of
    /// ``readAheadQueryLimit(batchSize:)`` events, each below its own watermark exactly like
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
                    var position = cursor
                    while true {
                        let last = try await self.streamBatches(
                            after: position, batchSize: batchSize, limit: limit, filter: filter
                        ) { batch in
                            try await handoff.send(batch)
                            return true
                        }
                        guard let last, last.isFull, let next = last.lastCursor else { break }
                        position = next
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
}
