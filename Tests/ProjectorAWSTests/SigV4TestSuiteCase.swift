import Foundation

@testable import ProjectorAWS

/// One case of the AWS SigV4 test suite (`../shared/sigv4-test-suite/v4/<name>/`).
struct SigV4TestSuiteCase: CustomStringConvertible {
    struct Context: Decodable {
        struct Credentials: Decodable {
            var accessKeyId: String
            var secretAccessKey: String
            var token: String?
        }
        var credentials: Credentials
        var normalize: Bool
        var region: String
        var service: String
        var signBody: Bool
        var timestamp: String
        var omitSessionToken: Bool?
    }

    var name: String
    var context: Context
    var method: String
    var path: String
    var headers: [(String, String)]
    var body: [UInt8]
    var expectedCanonicalRequest: String
    var expectedStringToSign: String
    var expectedSignature: String
    /// The headers of `header-signed-request.txt`.
    var expectedSignedHeaders: [(String, String)]

    var description: String { self.name }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    /// The suite's folder: `<package root>/../shared/sigv4-test-suite/v4`.
    static let suiteDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/sigv4-test-suite/v4")

    static func all() throws -> [SigV4TestSuiteCase] {
        let names = try FileManager.default.contentsOfDirectory(atPath: self.suiteDirectory.path).sorted()
        return try names.compactMap { name in
            let folder = self.suiteDirectory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("context.json").path) else {
                return nil
            }
            return try SigV4TestSuiteCase(folder: folder)
        }
    }

    init(folder: URL) throws {
        func read(_ file: String) throws -> String {
            try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
        }
        self.name = folder.lastPathComponent
        self.context = try Self.decoder.decode(
            Context.self, from: Data(contentsOf: folder.appendingPathComponent("context.json"))
        )
        let request = try Self.parseRequest(read("request.txt"))
        (self.method, self.path, self.headers, self.body) = (
            request.method, request.path, request.headers, request.body
        )
        self.expectedCanonicalRequest = try read("header-canonical-request.txt")
        self.expectedStringToSign = try read("header-string-to-sign.txt")
        self.expectedSignature = try read("header-signature.txt")
        self.expectedSignedHeaders = try Self.parseRequest(read("header-signed-request.txt")).headers
    }

    /// Parses `METHOD PATH HTTP/1.1`, `Name:value` lines (a line starting with white space continues the previous
    /// value), an empty line and the body. The path may contain spaces.
    static func parseRequest(
        _ text: String
    ) throws -> (method: String, path: String, headers: [(String, String)], body: [UInt8]) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while lines.first?.isEmpty == true { lines.removeFirst() }
        guard let requestLine = lines.first, let space = requestLine.firstIndex(of: " "),
            let version = requestLine.range(of: " HTTP/", options: .backwards)
        else { throw SuiteError(message: "bad request line in \(text.prefix(40))") }
        let method = String(requestLine[..<space])
        let path = String(requestLine[requestLine.index(after: space)..<version.lowerBound])
        var headers: [(String, String)] = []
        var index = 1
        while index < lines.count, !lines[index].isEmpty {
            let line = lines[index]
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].1 += "\n" + line
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            } else {
                throw SuiteError(message: "bad header line \(line)")
            }
            index += 1
        }
        let body = index + 1 < lines.count ? lines[(index + 1)...].joined(separator: "\n") : ""
        return (method, path, headers, Array(body.utf8))
    }

    struct SuiteError: Error {
        var message: String
    }

    /// Signs the case's request with `signer` as the suite's context asks.
    func sign() throws -> SigV4Signature {
        guard let date = AWSTimestamp.parseISO8601(self.context.timestamp) else {
            throw SuiteError(message: "\(self.name): bad timestamp")
        }
        var signer = SigV4Signer(service: self.context.service, region: self.context.region)
        signer.normalizesPath = self.context.normalize
        signer.signsSessionToken = !(self.context.omitSessionToken ?? false)
        let credentials = AWSCredentials(
            accessKeyID: self.context.credentials.accessKeyId,
            secretAccessKey: self.context.credentials.secretAccessKey,
            sessionToken: self.context.credentials.token
        )
        return signer.sign(
            method: self.method, url: "https://example.amazonaws.com" + self.path, headers: self.headers,
            payloadHash: SigV4Signer.payloadHash(of: self.body), credentials: credentials, date: date,
            includeContentHash: self.context.signBody
        )
    }
}
