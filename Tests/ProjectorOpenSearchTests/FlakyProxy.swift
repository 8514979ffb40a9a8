import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ProjectorCore
import ProjectorTesting

@testable import ProjectorOpenSearch

/// A failure-injecting HTTP proxy in front of osmem-server, for the retry tests: a small Python `http.server`
/// started per test. It is not a fake of OpenSearch — every request it lets through is answered by osmem-server;
/// it only replaces some answers with failures, following a plan per operation (`bulk`, `mget`, `other`),
/// one step per request:
///
/// - `{"status": 429}` / `{"status": 503, "retry_after": 1}`: answer with that status, forward nothing;
/// - `{"items429": [0, 2]}` (bulk): forward the bulk without those items and answer them with per-item 429s;
/// - `{"drop": true}`: forward, then close the connection without answering (an outcome the client cannot know);
/// - `{"pass": true}`: forward unchanged.
///
/// When a plan runs out, requests are forwarded. `GET /__stats` returns the requests seen per operation.
/// Given a certificate and key it serves HTTPS (for the TLS trust tests).
final class FlakyProxy: Sendable {
    let url: String
    private let helper: ScriptedHelper

    /// Starts the proxy in front of `upstream`; with `tls` (PEM certificate and key files) it speaks HTTPS.
    init(upstream: String, plan: JSONValue, tls: (certificate: String, key: String)? = nil) throws {
        helper = try ScriptedHelper(
            name: "flaky OpenSearch proxy", script: Self.script,
            arguments: [upstream, plan.serialized()] + (tls.map { [$0.certificate, $0.key] } ?? []))
        url = "\(tls == nil ? "http" : "https")://127.0.0.1:\(helper.port)"
    }

    /// Requests seen per operation, asked through `client` (needed for HTTPS) or a plain HTTP client.
    func stats(through client: OpenSearchClient? = nil) async throws -> [String: Int] {
        let value: JSONValue
        if let client {
            let request = OpenSearchRequest(method: .GET, path: "/__stats", operation: "stats")
            value = try await client.send(request).json(for: request)
        } else {
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: self.url + "/__stats"), timeout: .seconds(5))
            value = try JSONValue(parsing: try await response.body.collect(upTo: 1 << 20).readableBytesView)
        }
        var counts: [String: Int] = [:]
        for (name, count) in value.objectValue ?? [:] {
            if case .int(let number) = count { counts[name] = number }
        }
        return counts
    }

    /// Closes the proxy's standard input, which makes it exit, and waits for it.
    func stop() {
        helper.stop()
    }

    /// Starts a proxy, runs `body`, stops the proxy.
    static func with<Result>(
        upstream: String, plan: JSONValue, tls: (certificate: String, key: String)? = nil,
        _ body: (FlakyProxy) async throws -> Result
    ) async throws -> Result {
        let proxy = try FlakyProxy(upstream: upstream, plan: plan, tls: tls)
        defer { proxy.stop() }
        return try await body(proxy)
    }

    static let script = #"""
        import http.server, json, os, signal, sys, threading, urllib.request, urllib.error

        # The test process may start us with signals blocked; make SIGTERM work again.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])

        def exit_with_parent():
            sys.stdin.read()
            os._exit(0)
        threading.Thread(target=exit_with_parent, daemon=True).start()

        upstream = sys.argv[1].rstrip("/")
        plan = json.loads(sys.argv[2])
        lock = threading.Lock()
        stats = {}

        def operation(path):
            base = path.split("?", 1)[0]
            if base.endswith("/_bulk"): return "bulk"
            if base.endswith("/_mget"): return "mget"
            return "other"

        def split_bulk(body):
            lines = body.split(b"\n")
            items, i = [], 0
            while i < len(lines):
                if not lines[i].strip():
                    i += 1
                    continue
                action = lines[i]
                if b'"delete"' in action.split(b":", 1)[0]:
                    items.append([action]); i += 1
                else:
                    items.append([action, lines[i + 1]]); i += 2
            return items

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args): pass

            def forward(self, body):
                request = urllib.request.Request(upstream + self.path, data=body, method=self.command)
                for name in ("Content-Type", "Accept"):
                    if self.headers.get(name): request.add_header(name, self.headers[name])
                try:
                    with urllib.request.urlopen(request) as response:
                        return response.status, response.read()
                except urllib.error.HTTPError as error:
                    return error.code, error.read()

            def answer(self, status, payload, headers=()):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers: self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD": self.wfile.write(payload)

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if self.path == "/__stats":
                    with lock: payload = json.dumps(stats).encode()
                    return self.answer(200, payload)
                op = operation(self.path)
                with lock:
                    stats[op] = stats.get(op, 0) + 1
                    steps = plan.get(op, [])
                    step = steps.pop(0) if steps else {"pass": True}
                if "status" in step:
                    error = {"error": {"type": "injected", "reason": "injected failure"}, "status": step["status"]}
                    headers = [("Retry-After", str(step["retry_after"]))] if "retry_after" in step else []
                    return self.answer(step["status"], json.dumps(error).encode(), headers)
                if "items429" in step and op == "bulk":
                    items = split_bulk(body)
                    failed = set(step["items429"])
                    kept = [item for n, item in enumerate(items) if n not in failed]
                    forwarded = b"".join(b"\n".join(item) + b"\n" for item in kept)
                    status, payload = self.forward(forwarded)
                    answers = iter(json.loads(payload).get("items", []))
                    merged = []
                    for n, item in enumerate(items):
                        if n in failed:
                            action = next(iter(json.loads(item[0])))
                            merged.append({action: {"status": 429, "error": {
                                "type": "es_rejected_execution_exception", "reason": "injected rejection"}}})
                        else:
                            merged.append(next(answers))
                    return self.answer(200, json.dumps({"errors": True, "items": merged}).encode())
                status, payload = self.forward(body)
                if step.get("drop"):
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.answer(status, payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if len(sys.argv) > 4:
            import ssl
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[3], sys.argv[4])
            server.socket = context.wrap_socket(server.socket, server_side=True)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#
}
