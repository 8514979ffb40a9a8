import Synchronization
import Testing

@testable import ProjectorPostgres

@Suite struct RendezvousTests {
    @Test func handsValuesOverInOrderAndEndsWithNil() async throws {
        let handoff = Rendezvous<Int>()
        let producer = Task {
            for value in 0..<100 { try await handoff.send(value) }
            handoff.finish()
        }
        var received: [Int] = []
        while let value = try await handoff.receive() { received.append(value) }
        try await producer.value
        #expect(received == Array(0..<100))
    }

    @Test func theProducerWaitsUntilItsValueIsTaken() async throws {
        let handoff = Rendezvous<Int>()
        let sent = Atomic<Int>(0)
        let producer = Task {
            for value in 1...3 {
                try await handoff.send(value)
                sent.store(value, ordering: .sequentiallyConsistent)
            }
            handoff.finish()
        }
        try await Task.sleep(for: .milliseconds(50))
        // Nothing taken yet: the first send has not returned.
        #expect(sent.load(ordering: .sequentiallyConsistent) == 0)
        #expect(try await handoff.receive() == 1)
        try await Task.sleep(for: .milliseconds(50))
        // One taken: the producer is blocked on the second value, never further ahead.
        #expect(sent.load(ordering: .sequentiallyConsistent) == 1)
        #expect(try await handoff.receive() == 2)
        #expect(try await handoff.receive() == 3)
        #expect(try await handoff.receive() == nil)
        try await producer.value
    }

    @Test func theProducersErrorReachesTheConsumerAfterWhatWasSent() async throws {
        struct Broken: Error {}
        let handoff = Rendezvous<Int>()
        let producer = Task {
            try await handoff.send(1)
            handoff.finish(throwing: Broken())
        }
        #expect(try await handoff.receive() == 1)
        await #expect(throws: Broken.self) { try await handoff.receive() }
        try await producer.value
    }

    @Test func cancelWakesAWaitingProducer() async throws {
        let handoff = Rendezvous<Int>()
        let producer = Task { try await handoff.send(1) }
        try await Task.sleep(for: .milliseconds(20))
        handoff.cancel()
        await #expect(throws: CancellationError.self) { try await producer.value }
        await #expect(throws: CancellationError.self) { try await handoff.send(2) }
    }

    @Test func cancellingTheWaitingTasksEndsTheirWait() async throws {
        let handoff = Rendezvous<Int>()
        let consumer = Task { try await handoff.receive() }
        try await Task.sleep(for: .milliseconds(20))
        consumer.cancel()
        await #expect(throws: CancellationError.self) { try await consumer.value }

        let other = Rendezvous<Int>()
        let producer = Task { try await other.send(1) }
        try await Task.sleep(for: .milliseconds(20))
        producer.cancel()
        await #expect(throws: CancellationError.self) { try await producer.value }
    }
}
