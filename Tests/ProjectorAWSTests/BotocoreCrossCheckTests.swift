import Foundation
import Testing

@testable import ProjectorAWS

/// Signs the same requests as botocore's `SigV4Auth` (via `scripts/sigv4-botocore.py`) and compares.
@Suite(.timeLimit(.minutes(1))) struct BotocoreCrossCheckTests {
    struct BotocoreResult: Decodable {
        var authorization: String
        var headers: [[String]]
        var canonicalRequest: String
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/sigv4-botocore.py")

    static func botocoreAvailable() -> Bool {
        (try? Self.runPython(["-c", "import botocore"], input: Data()).status) == 0
    }

    static func runPython(_ arguments: [String], input: Data) throws -> (status: Int32, output: Data, error: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let error = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output, error)
    }

    struct Request {
        var url: String
        var headers: [(String, String)]
        var body: String
        var service: String
        var sessionToken: String?
        var includeContentHash = false
    }

    static let putItemBody =
        #"{"TableName":"account_balance","Item":{"id":{"S":"a1"},"balance":{"N":"0.1"},"owner":{"S":"änn"}},"#
        + #""ConditionExpression":"attribute_not_exists(#p) OR #p.#v < :v"}"#

    static let requests: [Request] = [
        Request(
            url: "https://dynamodb.eu-west-1.amazonaws.com/",
            headers: [("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "DynamoDB_20120810.PutItem")],
            body: putItemBody, service: "dynamodb"
        ),
        Request(
            url: "https://dynamodb.eu-west-1.amazonaws.com/",
            headers: [("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "DynamoDB_20120810.PutItem")],
            body: putItemBody, service: "dynamodb",
            sessionToken: "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCWV1LXdlc3QtMSJHMEUCIQD+test/token=="
        ),
        Request(
            url: "http://127.0.0.1:8000/",
            headers: [("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "DynamoDB_20120810.PutItem")],
            body: putItemBody, service: "dynamodb", sessionToken: "token", includeContentHash: true
        ),
        Request(
            url: "https://search-x.eu-west-1.es.amazonaws.com/my%20index/_doc/a:b%2Fc?refresh=wait_for&routing=r%C3%A4",
            headers: [("Content-Type", "application/json"), ("User-Agent", "projector")],
            body: #"{"id":"a"}"#, service: "es", includeContentHash: true
        ),
    ]

    @Test(arguments: 0..<requests.count)
    func signaturesMatchBotocore(index: Int) throws {
        guard Self.botocoreAvailable() else {
            #expect(
                ProcessInfo.processInfo.environment["PROJECTOR_REQUIRE_SERVERS"] != "1", "botocore is not installed")
            return
        }
        let request = Self.requests[index]
        let credentials = AWSCredentials(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            sessionToken: request.sessionToken
        )
        let date = Date(timeIntervalSince1970: 1_700_000_000)  // 2023-11-14T22:13:20Z
        let spec: [String: Any] = [
            "method": "POST", "url": request.url, "headers": request.headers.map { [$0.0, $0.1] },
            "body": request.body, "region": "eu-west-1", "service": request.service,
            "access_key_id": credentials.accessKeyID, "secret_access_key": credentials.secretAccessKey,
            "session_token": request.sessionToken as Any, "timestamp": AWSTimestamp.amzDate(date),
            "include_content_hash": request.includeContentHash,
        ]
        let run = try Self.runPython([Self.script.path], input: JSONSerialization.data(withJSONObject: spec))
        #expect(run.status == 0, "\(String(decoding: run.error, as: UTF8.self))")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let botocore = try decoder.decode(BotocoreResult.self, from: run.output)

        let signature = SigV4Signer(service: request.service, region: "eu-west-1").sign(
            method: "POST", url: request.url, headers: request.headers,
            payloadHash: SigV4Signer.payloadHash(of: Array(request.body.utf8)), credentials: credentials, date: date,
            includeContentHash: request.includeContentHash
        )
        #expect(signature.canonicalRequest == botocore.canonicalRequest)
        #expect(signature.authorization == botocore.authorization)
        // Every header we add has botocore's value (botocore leaves Host to its HTTP layer).
        for (name, value) in signature.headers where name != "Host" {
            let theirs = botocore.headers.first { $0.first?.lowercased() == name.lowercased() }
            #expect(theirs?.last == value, "\(name)")
        }
    }
}
