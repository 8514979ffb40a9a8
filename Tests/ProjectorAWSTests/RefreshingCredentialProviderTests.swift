import Foundation
import Testing

@testable import ProjectorAWS

/// A provider that hands out numbered credentials valid for `lifetime` seconds from the test clock's now.
private actor NumberedProvider: AWSCredentialProvider {
    let clock: TestClock
    var lifetime: TimeInterval?
    var failing = false
    var calls = 0
    private var gate: [CheckedContinuation<Void, Never>]?

    init(clock: TestClock, lifetime: TimeInterval?) {
        self.clock = clock
        self.lifetime = lifetime
    }

    func setFailing(_ failing: Bool) { self.failing = failing }
    func setLifetime(_ lifetime: TimeInterval?) { self.lifetime = lifetime }
    func close() { self.gate = [] }

    func open() {
        let waiting = self.gate ?? []
        self.gate = nil
        for continuation in waiting { continuation.resume() }
    }

    func credentials() async throws -> AWSCredentials {
        self.calls += 1
        let number = self.calls
        if self.gate != nil {
            await withCheckedContinuation { self.gate?.append($0) }
        }
        if self.failing {
            throw AWSError(code: .stsFailure, message: "STS is down", source: "test")
        }
        return AWSCredentials(
            accessKeyID: "ASIA\(number)", secretAccessKey: "secret\(number)", sessionToken: "token\(number)",
            expiration: self.lifetime.map { self.clock.now.addingTimeInterval($0) }
        )
    }
}

@Suite struct RefreshingCredentialProviderTests {
    let clock = TestClock()

    private func refreshing(_ base: any AWSCredentialProvider) -> RefreshingCredentialProvider {
        RefreshingCredentialProvider(
            wrapping: base,
            configuration: .init(
                refreshBeforeExpiry: .seconds(300), retryInterval: .seconds(10), expiryMargin: .seconds(10)),
            now: { [clock] in clock.now }
        )
    }

    @Test func refreshesFiveMinutesBeforeExpiry() async throws {
        let base = NumberedProvider(clock: self.clock, lifetime: 3600)
        let provider = self.refreshing(base)
        #expect(try await provider.credentials().accessKeyID == "ASIA1")
        self.clock.advance(by: 3299)
        #expect(try await provider.credentials().accessKeyID == "ASIA1")
        self.clock.advance(by: 2)
        #expect(try await provider.credentials().accessKeyID == "ASIA2")
        #expect(try await provider.credentials().accessKeyID == "ASIA2")
        #expect(await base.calls == 2)
    }

    @Test func shortLivedCredentialsAreRefreshedAfterHalfTheirLifetime() async throws {
        let base = NumberedProvider(clock: self.clock, lifetime: 400)
        let provider = self.refreshing(base)
        #expect(try await provider.credentials().accessKeyID == "ASIA1")
        self.clock.advance(by: 199)
        #expect(try await provider.credentials().accessKeyID == "ASIA1")
        self.clock.advance(by: 2)
        #expect(try await provider.credentials().accessKeyID == "ASIA2")
    }

    @Test func credentialsWithoutExpirationAreKept() async throws {
        let base = NumberedProvider(clock: self.clock, lifetime: nil)
        let provider = self.refreshing(base)
        _ = try await provider.credentials()
        self.clock.advance(by: 10 * 365 * 86_400)
        #expect(try await provider.credentials().accessKeyID == "ASIA1")
        #expect(await base.calls == 1)
    }

    @Test func concurrentCallersShareOneRefresh() async throws {
        let base = NumberedProvider(clock: self.clock, lifetime: 3600)
        let provider = self.refreshing(base)
        await base.close()
        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 {
                group.addTask { try await provider.credentials().accessKeyID }
            }
            while await base.calls == 0 {
                await Task.yield()
            }
            await base.open()
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(keys.count == 50)
        #expect(Set(keys) == ["ASIA1"])
        #expect(await base.calls == 1)
        #expect(await provider.fetchCount == 1)
    }

    @Test func aFailedRefreshKeepsUsingValidCredentialsThenThrows() async throws {
        let base = NumberedProvider(clock: self.clock, lifetime: 3600)
        let provider = self.refreshing(base)
        _ = try await provider.credentials()
        await base.setFailing(true)
        self.clock.advance(by: 3400)  // inside the refresh window, 200 s before expiry
        #expect(try await provider.credentials().accessKeyID == "ASIA1")
        #expect(await base.calls == 2)
        self.clock.advance(by: 5)  // within the retry interval: no new attempt
        #expect(try await provider.credentials().accessKeyID == "ASIA1")
        #expect(await base.calls == 2)
        self.clock.advance(by: 6)
        #expect(try await provider.credentials().accessKeyID == "ASIA1")
        #expect(await base.calls == 3)
        self.clock.advance(by: 185)  // 4 s before expiry: inside the margin, no longer handed out
        let error = try await #require(throws: AWSError.self) { try await provider.credentials() }
        #expect(error.code == .stsFailure)
        await base.setFailing(false)
        #expect(try await provider.credentials().accessKeyID == "ASIA5")
    }

    @Test func invalidateForcesAFetch() async throws {
        let base = NumberedProvider(clock: self.clock, lifetime: 3600)
        let provider = self.refreshing(base)
        _ = try await provider.credentials()
        await provider.invalidate()
        #expect(try await provider.credentials().accessKeyID == "ASIA2")
    }

    @Test func invalidationThroughTheProtocolReachesTheCache() async throws {
        let base = NumberedProvider(clock: self.clock, lifetime: 3600)
        let provider: any AWSCredentialProvider = self.refreshing(base)
        #expect(try await provider.credentials().accessKeyID == "ASIA1")
        await provider.invalidateCredentials()
        #expect(try await provider.credentials().accessKeyID == "ASIA2")
        await base.invalidateCredentials()  // the default for providers without a cache: nothing happens
        #expect(await base.calls == 2)
    }

    @Test func credentialsThatAreAlreadyExpiredAreAnError() async throws {
        let base = NumberedProvider(clock: self.clock, lifetime: 5)
        let provider = self.refreshing(base)
        let error = try await #require(throws: AWSError.self) { try await provider.credentials() }
        #expect(error.code == .expiredCredentials)
        await base.setLifetime(900)
        #expect(try await provider.credentials().accessKeyID == "ASIA2")
    }
}
