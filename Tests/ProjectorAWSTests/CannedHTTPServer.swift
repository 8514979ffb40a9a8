import AsyncHTTPClient
import Foundation
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A throwaway Python `http.server` on loopback that answers every POST with one fixed status and body and counts
/// the requests (`GET /count`). Used to drive STS error paths that moto does not produce.
final class CannedHTTPServer {
    let process = Process()
    let url: String

    private static let script = """
        import http.server, sys
        status, body, count = int(sys.argv[1]), sys.argv[2].encode(), 0
        class Handler(http.server.BaseHTTPRequestHandler):
            def reply(self, code, data):
                self.send_response(code)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            def do_POST(self):
                global count
                count += 1
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.reply(status, body)
            def do_GET(self):
                self.reply(200, str(count).encode())
            def log_message(self, *args):
                pass
        server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """

    init(status: Int, body: String) throws {
        let stdout = Pipe()
        self.process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        self.process.arguments = ["python3", "-c", Self.script, String(status), body]
        self.process.standardOutput = stdout
        self.process.standardError = FileHandle.nullDevice
        try self.process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = stdout.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line.append(chunk)
        }
        let port = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard Int(port) != nil else {
            kill(self.process.processIdentifier, SIGKILL)
            self.process.waitUntilExit()
            throw CannedServerError(message: "canned server did not start: \(port)")
        }
        self.url = "http://127.0.0.1:\(port)/"
    }

    /// How many POSTs the server answered.
    func requestCount(using client: HTTPClient) async throws -> Int {
        let response = try await client.execute(HTTPClientRequest(url: self.url + "count"), timeout: .seconds(5))
        return Int(String(buffer: try await response.body.collect(upTo: 1024))) ?? -1
    }

    /// Kills the server (SIGKILL: a child of the test runner may inherit an ignored SIGTERM) and reaps it.
    func stop() {
        guard self.process.isRunning else { return }
        kill(self.process.processIdentifier, SIGKILL)
        self.process.waitUntilExit()
    }

    struct CannedServerError: Error {
        var message: String
    }
}
