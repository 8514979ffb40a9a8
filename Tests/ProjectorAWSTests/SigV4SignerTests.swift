import Foundation
import Testing

@testable import ProjectorAWS

@Suite struct SigV4SignerTests {
    let credentials = AWSCredentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    let date = Date(timeIntervalSince1970: 1_440_938_160)

    private func sign(
        _ url: String, headers: [(String, String)] = [], body: [UInt8] = [], contentHash: Bool = false,
        credentials: AWSCredentials? = nil
    ) -> SigV4Signature {
        SigV4Signer(service: "es", region: "eu-west-1").sign(
            method: "post", url: url, headers: headers, payloadHash: SigV4Signer.payloadHash(of: body),
            credentials: credentials ?? self.credentials, date: self.date, includeContentHash: contentHash
        )
    }

    private func lines(_ signature: SigV4Signature) -> [Substring] {
        signature.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)
    }

    @Test func derivesHostLikeAsyncHTTPClient() {
        let cases: [(String, String)] = [
            ("https://search.example.com/", "search.example.com"),
            ("https://search.example.com:443/x", "search.example.com"),
            ("http://127.0.0.1:80", "127.0.0.1"),
            ("http://127.0.0.1:9200/_bulk", "127.0.0.1:9200"),
            ("https://user:pw@search.example.com:8443?x=1", "search.example.com:8443"),
            ("http://[::1]:9200/", "[::1]:9200"),
            ("http://[::1]/", "[::1]"),
        ]
        for (url, host) in cases {
            let signature = self.sign(url)
            #expect(signature.headers.first { $0.0 == "Host" }?.1 == host, "\(url)")
            #expect(self.lines(signature).contains("host:\(host)"[...]), "\(url)")
        }
        // A Host among the caller's headers wins and is not returned again.
        let explicit = self.sign("http://127.0.0.1:9200/", headers: [("Host", "proxy.example")])
        #expect(!explicit.headers.contains { $0.0 == "Host" })
        #expect(self.lines(explicit).contains("host:proxy.example"))
    }

    @Test func returnsTheHeadersToAdd() {
        let plain = self.sign("https://h/")
        #expect(plain.headers.map(\.0) == ["Host", "X-Amz-Date", "Authorization"])
        let full = self.sign(
            "https://h/", body: Array("{}".utf8), contentHash: true,
            credentials: AWSCredentials(accessKeyID: "ASIAX", secretAccessKey: "s", sessionToken: "token")
        )
        #expect(
            full.headers.map(\.0) == [
                "Host", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256", "Authorization",
            ])
        #expect(full.authorization.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"))
        #expect(
            full.headers.first { $0.0 == "X-Amz-Content-Sha256" }?.1 == SigV4Signer.payloadHash(of: Array("{}".utf8)))
        #expect(full.authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=ASIAX/20150830/eu-west-1/es/aws4_request, "))
    }

    @Test func ignoresHopByHopAndReplacedHeaders() {
        let signature = self.sign(
            "https://h/",
            headers: [
                ("User-Agent", "x"), ("Connection", "keep-alive"), ("Transfer-Encoding", "chunked"),
                ("X-Amz-Date", "19990101T000000Z"), ("Authorization", "Basic Zm9v"),
                ("Content-Type", "application/json"),
            ]
        )
        #expect(signature.authorization.contains("SignedHeaders=content-type;host;x-amz-date,"))
        #expect(!signature.canonicalRequest.contains("1999"))
        #expect(signature.headers.filter { $0.0 == "X-Amz-Date" }.map(\.1) == ["20150830T123600Z"])
    }

    @Test func encodesThePathAsSentOnceMore() {
        // The path on the wire is already encoded; AWS (except S3) expects it encoded again.
        #expect(self.lines(self.sign("https://h/my%20index/_doc/a+b"))[1] == "/my%2520index/_doc/a%2Bb")
        #expect(self.lines(self.sign("https://h/idx/./_doc/../_search"))[1] == "/idx/_search")
        #expect(self.lines(self.sign("https://h"))[1] == "/")
        #expect(self.lines(self.sign("https://h/a/#frag"))[1] == "/a/")
    }

    @Test func canonicalisesTheQuery() {
        let line = self.lines(self.sign("https://h/_search?size=10&q=a%20b&q=a+b&flag&%7e=x&&b=%zz"))[2]
        #expect(line == "b=%25zz&flag=&q=a%20b&q=a%2Bb&size=10&~=x")
    }

    @Test func hashesRawMemoryLikeArrays() {
        let body = Array("{\"TableName\":\"t\"}".utf8)
        let fromMemory = body.withUnsafeBytes { SigV4Signer.payloadHash(of: $0) }
        #expect(fromMemory == SigV4Signer.payloadHash(of: body))
        #expect(SigV4Signer.payloadHash(of: []) == SigV4Signer.emptyPayloadHash)
        #expect([UInt8]().withUnsafeBytes { SigV4Signer.payloadHash(of: $0) } == SigV4Signer.emptyPayloadHash)
    }

    @Test func publicEntryPointsAgree() {
        let signer = SigV4Signer(service: "dynamodb", region: "eu-west-1")
        let body = Array("{}".utf8)
        let fromBody = signer.signedHeaders(
            method: "POST", url: "https://dynamodb.eu-west-1.amazonaws.com/", headers: [], body: body,
            credentials: self.credentials, date: self.date
        )
        let fromHash = signer.signedHeaders(
            method: "POST", url: "https://dynamodb.eu-west-1.amazonaws.com/", headers: [],
            payloadHash: SigV4Signer.payloadHash(of: body), credentials: self.credentials, date: self.date
        )
        #expect(fromBody.map(\.1) == fromHash.map(\.1))
        #expect(fromBody.last?.0 == "Authorization")
    }
}
