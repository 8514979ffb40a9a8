public import Foundation
public import Logging

/// Caches the credentials of another provider and fetches new ones shortly before they expire.
///
/// - Credentials without an expiration are cached for good.
/// - Credentials are refreshed ``Configuration/refreshBeforeExpiry`` before their expiration, or after half their
///   lifetime if that is shorter, so short-lived credentials are not fetched on every call.
/// - Single flight: concurrent callers that find the cache stale share one call to the wrapped provider.
/// - When a refresh fails while the cached credentials still work, the cached ones are returned, a warning is
///   logged and the next attempt waits ``Configuration/retryInterval``; once they have expired the error is thrown.
///
/// Time comes from an injected `now` closure, so tests control expiry without sleeping.
public actor RefreshingCredentialProvider: AWSCredentialProvider {
    /// Refresh timing.
    public struct Configuration: Sendable {
        /// How long before expiration to fetch new credentials. Default 5 minutes.
        public var refreshBeforeExpiry: Duration
        /// After a failed refresh, how long to keep using still-valid cached credentials before trying again.
        /// Default 10 s.
        public var retryInterval: Duration
        /// Credentials closer than this to their expiration are no longer handed out. Default 10 s.
        public var expiryMargin: Duration

        /// Creates a configuration; see the properties for the defaults.
        public init(
            refreshBeforeExpiry: Duration = .seconds(300), retryInterval: Duration = .seconds(10),
            expiryMargin: Duration = .seconds(10)
        ) {
            self.refreshBeforeExpiry = refreshBeforeExpiry
            self.retryInterval = retryInterval
            self.expiryMargin = expiryMargin
        }
    }

    private struct Cached {
        var credentials: AWSCredentials
        /// When to fetch new credentials; `nil` never.
        var refreshAt: Date?
    }

    private let base: any AWSCredentialProvider
    private let configuration: Configuration
    private let now: @Sendable () -> Date
    private let logger: Logger
    private var cached: Cached?
    private var inFlight: Task<AWSCredentials, any Error>?
    private var retryNotBefore: Date?
    /// How many times the wrapped provider was asked (for tests and debugging).
    public private(set) var fetchCount = 0

    /// Wraps `base`. `now` supplies the current time (inject a fixed or stepping clock in tests).
    public init(
        wrapping base: any AWSCredentialProvider, configuration: Configuration = Configuration(),
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger = Logger(label: "projector.aws")
    ) {
        self.base = base
        self.configuration = configuration
        self.now = now
        self.logger = logger
    }

    /// The cached credentials while fresh; otherwise fetches new ones (single flight), falling back to
    /// still-usable cached ones when the fetch fails (see the type's rules).
    public func credentials() async throws -> AWSCredentials {
        let now = self.now()
        if let cached = self.cached, cached.refreshAt.map({ now < $0 }) ?? true {
            return cached.credentials
        }
        let usable = self.cached.flatMap { self.isUsable($0.credentials, at: now) ? $0.credentials : nil }
        if let usable, let retryNotBefore = self.retryNotBefore, now < retryNotBefore {
            return usable
        }
        do {
            return try await self.refresh()
        } catch {
            let now = self.now()
            guard let usable, self.isUsable(usable, at: now) else { throw error }
            self.retryNotBefore = now.addingTimeInterval(self.configuration.retryInterval.timeInterval)
            self.logger.warning(
                "refreshing AWS credentials failed; using the current ones until they expire",
                metadata: [
                    AWSLogKey.error: "\(error)",
                    AWSLogKey.expiration: "\(usable.expiration.map(AWSTimestamp.iso8601) ?? "none")",
                ]
            )
            return usable
        }
    }

    /// Drops the cached credentials, so that the next call fetches new ones (e.g. after the service answered
    /// `ExpiredToken`).
    public func invalidate() {
        self.cached = nil
        self.retryNotBefore = nil
    }

    /// Same as ``invalidate()``.
    public func invalidateCredentials() async {
        self.invalidate()
    }

    private func isUsable(_ credentials: AWSCredentials, at now: Date) -> Bool {
        Self.isUsable(credentials, at: now, margin: self.configuration.expiryMargin)
    }

    private static func isUsable(_ credentials: AWSCredentials, at now: Date, margin: Duration) -> Bool {
        guard let expiration = credentials.expiration else { return true }
        return now.addingTimeInterval(margin.timeInterval) < expiration
    }

    private func refresh() async throws -> AWSCredentials {
        if let inFlight = self.inFlight {
            return try await inFlight.value
        }
        let (base, now, margin) = (self.base, self.now, self.configuration.expiryMargin)
        let task = Task {
            let credentials = try await base.credentials()
            guard Self.isUsable(credentials, at: now(), margin: margin) else {
                throw AWSError(
                    code: .expiredCredentials,
                    message: "the credential provider returned credentials that expire at "
                        + "\(credentials.expiration.map(AWSTimestamp.iso8601) ?? "?"), which is too soon",
                    source: "refresh"
                )
            }
            return credentials
        }
        self.inFlight = task
        self.fetchCount += 1
        let result = await task.result
        if self.inFlight == task {
            self.inFlight = nil
        }
        let credentials = try result.get()
        let fetchedAt = self.now()
        self.cached = Cached(credentials: credentials, refreshAt: self.refreshTime(credentials, fetchedAt: fetchedAt))
        self.retryNotBefore = nil
        self.logger.debug(
            "fetched AWS credentials",
            metadata: [
                AWSLogKey.accessKeyID: "\(credentials.redactedAccessKeyID)",
                AWSLogKey.expiration: "\(credentials.expiration.map(AWSTimestamp.iso8601) ?? "none")",
            ]
        )
        return credentials
    }

    private func refreshTime(_ credentials: AWSCredentials, fetchedAt: Date) -> Date? {
        guard let expiration = credentials.expiration else { return nil }
        let lifetime = expiration.timeIntervalSince(fetchedAt)
        return expiration.addingTimeInterval(-min(self.configuration.refreshBeforeExpiry.timeInterval, lifetime / 2))
    }
}
