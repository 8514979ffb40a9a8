import ProjectorCore
import ProjectorOpenSearch
import ProjectorPostgres
import ProjectorRuntime
import ProjectorTesting
import Synchronization
import Testing

/// ``BatchProcessor/WriteBehind`` against osmem-server: changed documents held across batches are written once,
/// nothing is checkpointed before it is written, a stop writes what came before it, and a refused write of held
/// documents is redone batch by batch. Then rebuilds (which hold writes by default) that meet a rejected document
/// or are interrupted before their first write.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct WriteBehindTests {
    typealias WriteLog = PipelinedBatchTests.WriteLog

    /// A processor over the real store that holds up to `documents` documents for an hour; with `untouchedAfter`,
    /// documents untouched for more than that many events are written in the background, two or more at a time.
    static func withHoldingProcessor(
        documents: Int = 100,
        untouchedAfter: Int? = nil,
        increment: String = "1",
        gate: Gate? = nil,
        _ body: (inout BatchProcessor, WriteLog, any ViewStore) async throws -> Void
    ) async throws {
        try await PipelinedBatchTests.withProcessor(increment: increment) { processor, log, store in
            var configuration = BatchProcessor.Configuration()
            var writeBehind = BatchProcessor.WriteBehind(
                maximumDocuments: documents, maximumInterval: .seconds(3_600), minimumUntouchedWrite: 2)
            writeBehind.untouchedAfter = untouchedAfter
            configuration.writeBehind = writeBehind
            let gated: any ViewStore = gate.map { GatedStore(inner: log, gate: $0) } ?? log
            var holding = BatchProcessor(
                projection: processor.projection, store: gated, readStream: { _, _ in [] }, deadLetter: { _, _ in },
                configuration: configuration, logger: RuntimeHarness.logger)
            try await body(&holding, log, store)
        }
    }

    /// Holds every write until opened.
    final class Gate: Sendable {
        private let isOpen = Mutex(false)
        func open() { isOpen.withLock { $0 = true } }
        func wait() async throws {
            while !isOpen.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        }
    }

    /// A store whose writes wait for a ``Gate``.
    struct GatedStore: ViewStore {
        let inner: any ViewStore
        let gate: Gate

        func fetch(_ keys: [String]) async throws -> [String: StoredDocument] { try await inner.fetch(keys) }

        func apply(_ writes: [DocumentWrite]) async throws -> [WriteOutcome] {
            try await gate.wait()
            return try await inner.apply(writes)
        }
    }

    /// Waits until the store shows `expected` for `keys` (a background write landing); fails after 10 s.
    static func waitFor(_ expected: [String: JSONValue?], in store: any ViewStore) async throws {
        let keys = Array(expected.keys)
        for _ in 0..<1_000 {
            if try await counts(keys, in: store) == expected { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try await counts(keys, in: store) == expected, "the background write never landed")
    }

    /// Batches 1–3 of the untouched-write tests: a and b, then c, d and e twice. After the third batch a and b are
    /// untouched for more than 4 events.
    static let untouchedBatches: [[Event]] = [
        PipelinedBatchTests.events([("a", 1), ("b", 1)], after: 0),
        PipelinedBatchTests.events([("c", 1), ("d", 1), ("e", 1)], after: 2),
        PipelinedBatchTests.events([("c", 2), ("d", 2), ("e", 2)], after: 5),
    ]

    /// A rebuild of `projection` in batches of `batchSize`, with its options (otherwise the defaults: write-behind).
    static func rebuild(
        _ projection: Projection, batchSize: Int, in session: OperationsSession
    ) -> (ProjectionRebuild, ProjectionRebuild.Options) {
        var options = ProjectionRebuild.Options(owner: "ops")
        options.batchSize = batchSize
        let rebuild = ProjectionRebuild(
            projection: projection, database: session.database, stores: session.stores, logger: RuntimeHarness.logger)
        return (rebuild, options)
    }

    /// The visible `count` of each of `keys` in the store (`nil` when absent).
    static func counts(_ keys: [String], in store: any ViewStore) async throws -> [String: JSONValue?] {
        let documents = try await store.fetch(keys)
        var counts: [String: JSONValue?] = [:]
        for key in keys { counts[key] = documents[key]?.body["count"] }
        return counts
    }

    @Test func documentsChangedByManyBatchesAreWrittenOnceThenCheckpointed() async throws {
        try await Self.withHoldingProcessor { processor, log, store in
            var position: Int64 = 0
            for seq in Int64(1)...3 {
                let batch = PipelinedBatchTests.events([("a", seq), ("b", seq)], after: position)
                position += 2
                let reports = try await processor.submit(batch)
                #expect(reports.map(\.processed) == [2])
                #expect(reports.allSatisfy { $0.checkpoint == nil }, "nothing is checkpointed before it is written")
            }
            #expect(log.requests.withLock { $0 }.isEmpty)
            let written = try #require(try await processor.drain())
            #expect(written.checkpoint == EventCursor(transactionID: 10, position: position))
            #expect(written.written == 2)
            #expect(log.requests.withLock { $0 }.map { Set($0) } == [["a", "b"]])
            #expect(try await Self.counts(["a", "b"], in: store) == ["a": 3, "b": 3])
            #expect(try await processor.drain() == nil, "nothing is held any more")

            // Written documents fold on from memory, and are written again at the next drain.
            _ = try await processor.submit(PipelinedBatchTests.events([("a", 4)], after: position))
            #expect(try await processor.drain()?.written == 1)
            #expect(try await Self.counts(["a"], in: store) == ["a": 4])
        }
    }

    @Test func holdingMoreDocumentsThanAllowedWritesThemAll() async throws {
        try await Self.withHoldingProcessor(documents: 2) { processor, log, store in
            let first = PipelinedBatchTests.events([("a", 1), ("b", 1)], after: 0)
            #expect(try await processor.submit(first).count == 1)
            let second = PipelinedBatchTests.events([("c", 1)], after: 2)
            let reports = try await processor.submit(second)
            #expect(reports.count == 2)
            #expect(reports.last?.checkpoint == second.last?.cursor)
            #expect(reports.last?.written == 3)
            #expect(log.requests.withLock { $0 }.count == 1)
            #expect(try await Self.counts(["a", "b", "c"], in: store) == ["a": 1, "b": 1, "c": 1])
        }
    }

    @Test func manyHeldDocumentsAreSentInChunks() async throws {
        try await Self.withHoldingProcessor(documents: 20_000) { processor, log, store in
            let streams = (0..<12_000).map { ("s\($0)", Int64(1)) }
            _ = try await processor.submit(PipelinedBatchTests.events(streams, after: 0))
            let written = try #require(try await processor.drain())
            #expect(written.written == 12_000)
            #expect(log.requests.withLock { $0 }.map(\.count) == [5_000, 5_000, 2_000])
            #expect(try await Self.counts(["s0", "s11999"], in: store) == ["s0": 1, "s11999": 1])
        }
    }

    @Test func aStopWritesWhatCameBeforeItAndReportsWhere() async throws {
        let increment = #"($event.id = "c-1" ? $error("boom") : 1)"#
        try await Self.withHoldingProcessor(increment: increment) { processor, _, store in
            _ = try await processor.submit(PipelinedBatchTests.events([("a", 1), ("b", 1)], after: 0))
            let batch = PipelinedBatchTests.events([("b", 2), ("c", 1), ("a", 2)], after: 2)
            let reports = try await processor.submit(batch)
            #expect(reports.map(\.processed) == [1, 0])
            let stop = try #require(reports.last)
            #expect(stop.checkpoint == batch[0].cursor, "checkpointed up to the event before the failing one")
            #expect(stop.stoppedAt == batch[1].cursor)
            #expect(stop.stopError?.contains("boom") == true)
            #expect(try await Self.counts(["a", "b", "c"], in: store) == ["a": 1, "b": 2, "c": nil])
        }
    }

    @Test func aRefusedWriteOfHeldDocumentsThrowsAndIsRedoneBatchByBatch() async throws {
        try await Self.withHoldingProcessor { processor, _, store in
            let batch = PipelinedBatchTests.events([("a", 1), ("b", 1)], after: 0)
            _ = try await processor.submit(batch)
            // Somebody else creates "a" meanwhile: the held create of "a" conflicts.
            _ = try await store.apply([.upsert(key: "a", body: ["id": "a", "count": 40], expected: nil)])
            await #expect(throws: RuntimeError.self) { _ = try await processor.drain() }

            await processor.abandon()
            processor.stopWritingBehind()
            #expect(!processor.writesBehind)
            _ = try await processor.submit(batch)
            let report = try #require(try await processor.drain())
            #expect(report.checkpoint == batch.last?.cursor)
            // "b" was written before the refusal; its metadata makes its event a duplicate now.
            #expect(report.written == 1)
            #expect(report.duplicates == 1)
            // "a" as stored had no projector metadata: it is folded from scratch and overwritten.
            #expect(try await Self.counts(["a", "b"], in: store) == ["a": 1, "b": 1])
        }
    }

    @Test func untouchedDocumentsAreWrittenInTheBackgroundAndCheckpointedWithTheRest() async throws {
        try await Self.withHoldingProcessor(untouchedAfter: 4) { processor, log, store in
            for batch in Self.untouchedBatches {
                let reports = try await processor.submit(batch)
                #expect(reports.allSatisfy { $0.checkpoint == nil }, "nothing is checkpointed before the full write")
            }
            // a and b land while nothing else is written or checkpointed.
            try await Self.waitFor(["a": 1, "b": 1, "c": nil], in: store)
            #expect(log.requests.withLock { $0 }.map { Set($0) } == [["a", "b"]])

            // a folds on from its written state and is written again with the rest.
            let last = PipelinedBatchTests.events([("a", 2)], after: 8)
            #expect(try await processor.submit(last).allSatisfy { $0.checkpoint == nil })
            let written = try #require(try await processor.drain())
            #expect(written.checkpoint == last.last?.cursor)
            #expect(written.written == 6, "a and b in the background, then a, c, d and e")
            #expect(log.requests.withLock { $0 }.map { Set($0) } == [["a", "b"], ["a", "c", "d", "e"]])
            #expect(
                try await Self.counts(["a", "b", "c", "d", "e"], in: store)
                    == ["a": 2, "b": 1, "c": 2, "d": 2, "e": 2])
        }
    }

    @Test func aBatchTouchingADocumentBeingWrittenWaitsForTheWrite() async throws {
        let gate = Gate()
        try await Self.withHoldingProcessor(untouchedAfter: 4, gate: gate) { processor, log, store in
            for batch in Self.untouchedBatches { _ = try await processor.submit(batch) }
            // The background write of a and b is held at the gate; the next batch touches a.
            let opener = Task {
                try await Task.sleep(for: .milliseconds(200))
                gate.open()
            }
            _ = try await processor.submit(PipelinedBatchTests.events([("a", 2)], after: 8))
            // Without waiting, the fold would have found no a in the store and held a create that conflicts.
            #expect(try await Self.counts(["a", "b"], in: store) == ["a": 1, "b": 1], "submit waited for the write")
            try await opener.value
            let written = try #require(try await processor.drain())
            #expect(written.written == 6)
            #expect(log.requests.withLock { $0 }.map { Set($0) } == [["a", "b"], ["a", "c", "d", "e"]])
            #expect(try await Self.counts(["a", "b", "c"], in: store) == ["a": 2, "b": 1, "c": 2])
        }
    }

    @Test func documentsTouchedAgainAfterTheirBackgroundWriteMakeTheWaitLonger() async throws {
        try await Self.withHoldingProcessor(untouchedAfter: 4) { processor, log, store in
            for batch in Self.untouchedBatches { _ = try await processor.submit(batch) }
            // a and b are written in the background, then both touched again: the wait doubles to 8 events.
            _ = try await processor.submit(PipelinedBatchTests.events([("a", 2), ("b", 2)], after: 8))
            _ = try await processor.submit(PipelinedBatchTests.events([("c", 3), ("d", 3), ("e", 3)], after: 10))
            // a and b are now untouched for 6 events: more than 4, not more than 8.
            _ = try await processor.submit(PipelinedBatchTests.events([("c", 4), ("d", 4), ("e", 4)], after: 13))
            let written = try #require(try await processor.drain())
            #expect(written.written == 7)
            #expect(log.requests.withLock { $0 }.map { Set($0) } == [["a", "b"], ["a", "b", "c", "d", "e"]])
            #expect(try await Self.counts(["a", "b", "e"], in: store) == ["a": 2, "b": 2, "e": 4])
        }
    }

    @Test func aReplayAfterAnInterruptedBackgroundWriteSkipsTheEventsItWrote() async throws {
        try await Self.withHoldingProcessor(untouchedAfter: 4) { processor, _, store in
            for batch in Self.untouchedBatches { _ = try await processor.submit(batch) }
            try await Self.waitFor(["a": 1, "b": 1], in: store)
            // Interrupted before any checkpoint: everything is processed again from the start.
            await processor.abandon()
            var configuration = BatchProcessor.Configuration()
            configuration.writeBehind = BatchProcessor.WriteBehind(maximumDocuments: 100)
            var again = BatchProcessor(
                projection: processor.projection, store: store, readStream: { _, _ in [] }, deadLetter: { _, _ in },
                configuration: configuration, logger: RuntimeHarness.logger)
            var duplicates = 0
            for batch in Self.untouchedBatches {
                duplicates += try await again.submit(batch).map(\.duplicates).reduce(0, +)
            }
            let written = try #require(try await again.drain())
            #expect(written.checkpoint == Self.untouchedBatches.last?.last?.cursor)
            #expect(duplicates == 2, "a's and b's events are in their documents already")
            #expect(written.written == 3)
            #expect(
                try await Self.counts(["a", "b", "c", "d", "e"], in: store)
                    == ["a": 1, "b": 1, "c": 2, "d": 2, "e": 2])
        }
    }

    @Test func aRebuildOfALogWhoseAggregatesGoQuietWritesEachDocumentOnce() async throws {
        try await RuntimeHarness.with { harness, connection in
            let v1 = try harness.accounts(version: 1)
            // Each account's four events are consecutive: most go quiet long before the log ends.
            _ = try await harness.appendAccounts(3_000, deposits: 3, on: connection)
            try await harness.withSession { session in
                var (rebuild, options) = Self.rebuild(v1, batchSize: 500, in: session)
                options.cacheCapacity = 5_000
                // Before the last batch (and so before the final write), the first 1,000 accounts are in the new
                // index: untouched for more than 5,000 events, they were written in the background.
                let writtenEarly = Mutex(0)
                let result = try await rebuild.run(options) { progress in
                    guard progress.done == 11_500 else { return }
                    let build = try await session.database.checkpoints.read(ProjectionRebuild.buildRowName(v1.name))
                    let target = try #require(build?.metadata["target"]?.stringValue)
                    let admin = OpenSearchAdmin(client: try #require(session.stores.openSearch))
                    for _ in 0..<1_000 {
                        try await admin.refresh(target)
                        let count = try await admin.count(target)
                        writtenEarly.withLock { $0 = count }
                        if count >= 1_000 { break }
                        try await Task.sleep(for: .milliseconds(10))
                    }
                }
                #expect(writtenEarly.withLock { $0 } == 1_000)
                #expect(result.events == 12_000)
                #expect(result.documentsWritten == 3_000, "no document was written before its last event")
            }
            let (report, drifts) = try await harness.verify(v1)
            #expect(report.checked == 3_000)
            #expect(drifts.isEmpty)
        }
    }

    @Test func aRebuildMeetingARejectedDocumentDeadLettersItAndLandsTheRest() async throws {
        try await RuntimeHarness.with { harness, connection in
            let lenient = try FailurePolicyTests.definition(harness, name: "wbreject", policy: "dead_letter")
            var events: [TestEvent] = []
            var good: [String] = []
            for _ in 0..<20 {
                let stream = TestEvent.uuid()
                good.append(stream)
                events.append(TestEvent(stream: stream, seq: 1, type: "deposited", data: ["amount": 1, "raw": 10]))
                events.append(TestEvent(stream: stream, seq: 2, type: "deposited", data: ["amount": 2, "raw": 20]))
            }
            let bad = TestEvent.uuid()
            // "amount" is mapped as long: OpenSearch refuses this document (mapping error).
            events.insert(
                TestEvent(stream: bad, seq: 1, type: "deposited", data: ["amount": 1, "raw": "not a number"]), at: 7)
            try await append(events, table: harness.table, on: connection)
            try await harness.withSession { session in
                let (rebuild, options) = Self.rebuild(lenient, batchSize: 10, in: session)
                let result = try await rebuild.run(options)
                #expect(result.swapped)
            }
            let letters = try await harness.database.deadLetters.list(projection: lenient.name)
            #expect(letters.map(\.event.stream) == [bad])
            // Every good document landed; the log's version of the rejected one is missing from the view.
            let (report, drifts) = try await harness.verify(lenient)
            #expect(report.checked == 21)
            #expect(drifts.map(\.key) == [bad])
            #expect(drifts.map(\.kind) == [.missing])
        }
    }

    @Test func aRebuildDeadLettersFailedEventsOnceItsDocumentsAreWritten() async throws {
        try await RuntimeHarness.with { harness, connection in
            let lenient = try FailurePolicyTests.definition(harness, name: "wbpoison", policy: "dead_letter")
            let stream = try await FailurePolicyTests.poisonStream(harness, on: connection)
            try await harness.withSession { session in
                let (rebuild, options) = Self.rebuild(lenient, batchSize: 1, in: session)
                let result = try await rebuild.run(options)
                #expect(result.events == 3)
                #expect(result.documentsWritten == 1, "three batches, one document, one write")
            }
            let letters = try await harness.database.deadLetters.list(projection: lenient.name)
            #expect(letters.map(\.event.seq) == [2])
            let document = try await harness.storedDocuments([stream], of: lenient)[stream]
            #expect(visible(document?.body) == ["id": .string(stream), "total": 5, "amount": 3])
        }
    }

    @Test func aRebuildInterruptedBeforeItsFirstWriteStartsOverAndEndsComplete() async throws {
        try await RuntimeHarness.with { harness, connection in
            let v1 = try harness.accounts(version: 1)
            try await harness.appendAccounts(50, deposits: 3, on: connection)
            try await harness.withSession { session in
                let (rebuild, options) = Self.rebuild(v1, batchSize: 40, in: session)
                await #expect(throws: OperationsRebuildTests.Interrupted.self) {
                    _ = try await rebuild.run(options) { progress in
                        if progress.done >= 120 { throw OperationsRebuildTests.Interrupted() }
                    }
                }
                let build = try #require(
                    try await session.database.checkpoints.read(ProjectionRebuild.buildRowName(v1.name)))
                #expect(build.cursor == .start, "documents held in memory were never checkpointed")
                let result = try await rebuild.run(options)
                #expect(result.resumed)
                #expect(result.events == 200)
            }
            let (report, drifts) = try await harness.verify(v1)
            #expect(report.checked == 50)
            #expect(drifts.isEmpty)
        }
    }
}
