internal import Dispatch
internal import Foundation

extension EventsCommand {
    /// SIGINT and SIGTERM as an async sequence, for `events --follow`: while it exists the signals do not end the
    /// process, so the command stops tailing and exits 0 after the lines already printed (DESIGN.md §7).
    struct Interruption {
        static let signals = [SIGINT, SIGTERM]

        /// Yields once per signal received.
        let received: AsyncStream<Void>
        private let sources: [any DispatchSourceSignal]

        /// Turns the signals' default action off and listens for them until ``cancel()``.
        init() {
            let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
            received = stream
            sources = Self.signals.map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    continuation.yield()
                    // A second signal, should stopping hang, ends the process the usual way.
                    for number in Self.signals { signal(number, SIG_DFL) }
                }
                source.setCancelHandler { continuation.finish() }
                source.resume()
                return source
            }
        }

        /// Stops listening and gives the signals their default action back.
        func cancel() {
            for source in sources { source.cancel() }
            for number in Self.signals { signal(number, SIG_DFL) }
        }
    }
}
