import Synchronization

/// Hands values from one producer task to one consumer task, one at a time: ``send(_:)`` returns only once the
/// consumer has taken the value, so the producer is never more than one value ahead and memory stays bounded.
///
/// The producer ends the exchange with ``finish(throwing:)`` (the consumer then gets `nil` or the error), the
/// consumer with ``cancel()`` (a waiting or later `send` throws `CancellationError`). Cancelling the task that
/// waits in `send` or `receive` makes that call throw `CancellationError`.
final class Rendezvous<Element: Sendable>: Sendable {
    private enum State {
        case idle
        case consumerWaiting(CheckedContinuation<Element?, any Error>)
        case producerWaiting(Element, CheckedContinuation<Void, any Error>)
        case finished((any Error)?)
        case cancelled
    }

    /// What to do once the lock is released.
    private enum Resumption {
        case none
        case handOver(
            Element, to: CheckedContinuation<Element?, any Error>, release: CheckedContinuation<Void, any Error>)
        case end(CheckedContinuation<Element?, any Error>, (any Error)?)
        case failSend(CheckedContinuation<Void, any Error>)

        func run() {
            switch self {
            case .none: break
            case .handOver(let element, let consumer, let producer):
                producer.resume()
                consumer.resume(returning: element)
            case .end(let consumer, let error?): consumer.resume(throwing: error)
            case .end(let consumer, nil): consumer.resume(returning: nil)
            case .failSend(let producer): producer.resume(throwing: CancellationError())
            }
        }
    }

    private let state = Mutex<State>(.idle)

    init() {}

    /// Waits until the consumer takes `element`.
    ///
    /// - Throws: `CancellationError` when the consumer cancelled, the exchange is finished, or this task is cancelled.
    func send(_ element: Element) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (producer: CheckedContinuation<Void, any Error>) in
                let resumption = state.withLock { state -> Resumption in
                    switch state {
                    case .consumerWaiting(let consumer):
                        state = .idle
                        return .handOver(element, to: consumer, release: producer)
                    case .idle where !Task.isCancelled:
                        state = .producerWaiting(element, producer)
                        return .none
                    case .idle, .producerWaiting, .finished, .cancelled:
                        return .failSend(producer)
                    }
                }
                resumption.run()
            }
        } onCancel: {
            let resumption = state.withLock { state -> Resumption in
                guard case .producerWaiting(_, let producer) = state else { return .none }
                state = .idle
                return .failSend(producer)
            }
            resumption.run()
        }
    }

    /// The next value; `nil` once the producer finished.
    ///
    /// - Throws: the producer's error, or `CancellationError` after ``cancel()`` or when this task is cancelled.
    func receive() async throws -> Element? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (consumer: CheckedContinuation<Element?, any Error>) in
                let resumption = state.withLock { state -> Resumption in
                    switch state {
                    case .producerWaiting(let element, let producer):
                        state = .idle
                        return .handOver(element, to: consumer, release: producer)
                    case .idle where !Task.isCancelled:
                        state = .consumerWaiting(consumer)
                        return .none
                    case .finished(let error):
                        return .end(consumer, error)
                    case .idle, .consumerWaiting, .cancelled:
                        return .end(consumer, CancellationError())
                    }
                }
                resumption.run()
            }
        } onCancel: {
            let resumption = state.withLock { state -> Resumption in
                guard case .consumerWaiting(let consumer) = state else { return .none }
                state = .idle
                return .end(consumer, CancellationError())
            }
            resumption.run()
        }
    }

    /// The producer is done: the consumer gets `nil` (or `error`) once it has taken what was sent.
    func finish(throwing error: (any Error)? = nil) {
        let resumption = state.withLock { state -> Resumption in
            switch state {
            case .consumerWaiting(let consumer):
                state = .finished(error)
                return .end(consumer, error)
            case .idle:
                state = .finished(error)
                return .none
            case .producerWaiting, .finished, .cancelled:
                return .none
            }
        }
        resumption.run()
    }

    /// The consumer is gone: a waiting `send` throws `CancellationError`, and so does every later one.
    func cancel() {
        let resumption = state.withLock { state -> Resumption in
            defer { state = .cancelled }
            switch state {
            case .producerWaiting(_, let producer): return .failSend(producer)
            case .consumerWaiting(let consumer): return .end(consumer, CancellationError())
            case .idle, .finished, .cancelled: return .none
            }
        }
        resumption.run()
    }
}
