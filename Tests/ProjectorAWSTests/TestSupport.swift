import AsyncHTTPClient
import Foundation
import Synchronization
import Testing

@testable import ProjectorAWS

/// Runs `body` with a fresh HTTP client and shuts it down afterwards.
func withHTTPClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try await client.shutdown()
        throw error
    }
}

/// A wall clock the test moves by hand.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_700_000_000)) {
        self.current = Mutex(start)
    }

    var now: Date { self.current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        self.current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// The shared servers' environment (`source /tmp/psrv/env`), or `nil` when not set outside CI.
func serverEndpoint(_ name: String) -> String? {
    let environment = ProcessInfo.processInfo.environment
    guard let value = environment[name], !value.isEmpty else {
        if environment["PROJECTOR_REQUIRE_SERVERS"] == "1" {
            Issue.record("\(name) is not set but PROJECTOR_REQUIRE_SERVERS=1")
        }
        return nil
    }
    return value
}
