import AsyncHTTPClient
import Foundation
import NIOCore
import ProjectorCore
import ProjectorTesting

/// A tiny HTTP server (Python's `http.server`, started per test) between the store and moto that answers the
/// next requests of chosen operations with failures, then forwards to moto:
///
/// - `throttle`, `provisioned`, `limit`: a 400 with `ThrottlingException`,
///   `ProvisionedThroughputExceededException`, `RequestLimitExceeded`;
/// - `500`: a 500 `InternalServerError`; `validation`: a 400 `ValidationException`; `denied`: a 400
///   `AccessDeniedException`;
/// - `unprocessed` (BatchGetItem only): forwards only the first half of the keys and returns the rest as
///   `UnprocessedKeys`.
///
/// `GET /stats` returns how many requests of each operation arrived.
final class FailureInjectingProxy: Sendable {
    let endpoint: String
    private let helper: ScriptedHelper

    /// Starts the proxy in front of `upstream` with failure queues per operation, e.g.
    /// `["PutItem": ["throttle", "500"]]`.
    init(upstream: String, failures: [String: [String]]) throws {
        let plan = JSONValue.object(
            JSONObject(failures.map { ($0.key, JSONValue.array($0.value.map(JSONValue.string))) }))
        helper = try ScriptedHelper(
            name: "DynamoDB failure proxy", script: Self.script, arguments: [upstream, plan.serialized()])
        endpoint = "http://127.0.0.1:\(helper.port)"
    }

    /// Requests per operation so far.
    func stats() async throws -> [String: Int] {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: "\(self.endpoint)/stats"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        let value = try JSONValue(parsing: body.readableBytesView)
        var counts: [String: Int] = [:]
        for (name, count) in value.objectValue ?? [:] {
            if case .int(let number) = count { counts[name] = number }
        }
        return counts
    }

    func stop() {
        helper.stop()
    }

    static let script = #"""
        import json, os, sys, threading, urllib.request, urllib.error
        from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

        upstream = sys.argv[1].rstrip("/") + "/"
        plan = json.loads(sys.argv[2])
        lock = threading.Lock()
        counts = {}
        ERRORS = {
            "throttle": (400, "ThrottlingException"), "provisioned": (400, "ProvisionedThroughputExceededException"),
            "limit": (400, "RequestLimitExceeded"), "500": (500, "InternalServerError"),
            "validation": (400, "ValidationException"), "denied": (400, "AccessDeniedException"),
        }

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args): pass

            def reply(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                with lock:
                    self.reply(200, counts)

            def forward(self, body):
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                request = urllib.request.Request(upstream, data=body, headers=headers, method="POST")
                try:
                    with urllib.request.urlopen(request) as response:
                        return response.status, json.loads(response.read() or b"{}")
                except urllib.error.HTTPError as error:
                    return error.code, json.loads(error.read() or b"{}")

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                operation = self.headers.get("X-Amz-Target", "").split(".")[-1]
                with lock:
                    counts[operation] = counts.get(operation, 0) + 1
                    queue = plan.get(operation, [])
                    failure = queue.pop(0) if queue else None
                if failure in ERRORS:
                    status, kind = ERRORS[failure]
                    self.reply(status, {"__type": "com.amazonaws.dynamodb.v20120810#" + kind, "message": "injected " + kind})
                elif failure == "unprocessed":
                    request = json.loads(body)
                    (table, spec), = request["RequestItems"].items()
                    keys = spec["Keys"]
                    half = max(1, len(keys) // 2)
                    spec["Keys"] = keys[:half]
                    status, answer = self.forward(json.dumps(request).encode())
                    if keys[half:]:
                        answer["UnprocessedKeys"] = {table: {"Keys": keys[half:], "ConsistentRead": True}}
                    self.reply(status, answer)
                else:
                    status, answer = self.forward(body)
                    self.reply(status, answer)

        def exit_with_parent():
            sys.stdin.read()
            os._exit(0)

        threading.Thread(target=exit_with_parent, daemon=True).start()
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#
}
