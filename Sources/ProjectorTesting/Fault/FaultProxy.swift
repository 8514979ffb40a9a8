import Foundation

/// A TCP proxy on loopback in front of a real server, for outage tests: ``cut()`` closes every
/// open connection and stops listening (clients get "connection refused", as from a stopped
/// server), ``restore()`` listens again on the same port. With `tls` it also terminates TLS with
/// that certificate and forwards plain TCP, which puts HTTPS in front of a plain HTTP server.
///
/// It forwards bytes unchanged: every answer comes from the real server behind it. ``sever(nextRequestContaining:afterBytes:)``
/// breaks one chosen request midway, for "outcome unknown" tests.
public final class FaultProxy: Sendable {
    /// The port the proxy listens on (the same after a restore).
    public var port: Int { helper.port }
    private let helper: ScriptedHelper

    /// Starts a proxy to `host:port`.
    /// - Parameter tls: terminate TLS with this server certificate (`nil`: plain TCP).
    public init(upstreamHost: String, upstreamPort: Int, tls: TestCertificates? = nil) throws {
        helper = try ScriptedHelper(
            name: "fault proxy", script: Self.script,
            arguments: [upstreamHost, "\(upstreamPort)"] + (tls.map { [$0.certificateFile, $0.keyFile] } ?? []))
    }

    /// Starts a proxy to the server of an `http://host:port` URL.
    public convenience init(upstream url: String, tls: TestCertificates? = nil) throws {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port
        else {
            throw FaultError(.badOutput, "'\(url)' has no host and port", context: "fault proxy")
        }
        try self.init(upstreamHost: host, upstreamPort: port, tls: tls)
    }

    /// `scheme://host:port` of the proxy.
    public func url(scheme: String = "http", host: String = "127.0.0.1") -> String {
        "\(scheme)://\(host):\(port)"
    }

    /// Drops every connection and refuses new ones until ``restore()``.
    public func cut() throws {
        try helper.command("cut")
    }

    /// Accepts connections again, on the same port.
    public func restore() throws {
        try helper.command("restore")
    }

    /// Stops forwarding bytes in both directions while keeping every connection open, as a network partition
    /// does (half-open TCP: no error, no answer), until ``thaw()``.
    public func freeze() throws {
        try helper.command("freeze")
    }

    /// Forwards again what ``freeze()`` held back.
    public func thaw() throws {
        try helper.command("thaw")
    }

    /// Connections forwarded so far.
    public func connectionsAccepted() throws -> Int {
        try number("count")
    }

    /// Arms a one-shot fault for the next request whose bytes contain `marker` (a path such as `_bulk`,
    /// a header value such as `DynamoDB_20120810.PutItem`; matched within one read of the client's data,
    /// so pick something from the request head). With `afterBytes` nil the whole request reaches the server
    /// and its answer is dropped (the write happened, the client cannot know); otherwise only the first
    /// `afterBytes` bytes, counted from the read that carried the marker, are forwarded. Either way both
    /// connections are then closed: the outcome is unknown to the client, as when a network fails mid-request.
    public func sever(nextRequestContaining marker: String, afterBytes: Int? = nil) throws {
        guard !marker.isEmpty, !marker.contains(where: \.isWhitespace) else {
            throw FaultError(.badOutput, "marker '\(marker)' is empty or has spaces", context: "fault proxy sever")
        }
        if let afterBytes, afterBytes < 1 {
            throw FaultError(.badOutput, "afterBytes \(afterBytes) is below 1", context: "fault proxy sever")
        }
        try helper.command("sever \(marker)" + (afterBytes.map { " \($0)" } ?? ""))
    }

    /// How many requests ``sever(nextRequestContaining:afterBytes:)`` cut so far.
    public func requestsSevered() throws -> Int {
        try number("severed")
    }

    private func number(_ text: String) throws -> Int {
        let reply = try helper.command(text)
        guard let value = Int(reply) else {
            throw FaultError(.badOutput, "answered '\(reply)' to \(text)", context: "fault proxy")
        }
        return value
    }

    /// Stops the proxy (closing its standard input makes it exit).
    public func stop() {
        helper.stop()
    }

    /// Starts a proxy, runs `body`, stops the proxy (also when `body` throws).
    public static func with<Result>(
        upstream url: String,
        tls: TestCertificates? = nil,
        _ body: (FaultProxy) async throws -> Result
    ) async throws -> Result {
        let proxy = try FaultProxy(upstream: url, tls: tls)
        do {
            let result = try await body(proxy)
            proxy.stop()
            return result
        } catch {
            proxy.stop()
            throw error
        }
    }
}
