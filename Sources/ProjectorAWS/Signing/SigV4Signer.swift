import Crypto
public import Foundation

/// Signs HTTP requests with AWS Signature Version 4, header form
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
///
/// The signer is a plain value: create one per service and region and share it freely.
/// It signs the request's headers except the hop-by-hop ones a proxy may change (`connection`, `expect`,
/// `keep-alive`, `proxy-*`, `te`, `trailer`, `transfer-encoding`, `upgrade`) and `user-agent` /
/// `x-amzn-trace-id` — the same set botocore leaves out. The path is normalised (dot segments and repeated
/// slashes removed) and every segment of the path as sent is percent-encoded once more, as all services except
/// S3 expect; S3 is not supported.
public struct SigV4Signer: Sendable {
    /// The signing name of the service: `es`, `aoss`, `dynamodb`, `sts`, …
    public let service: String
    /// The region, e.g. `eu-west-1`.
    public let region: String
    /// Remove dot segments and repeated slashes from the path before encoding (every service but S3).
    package var normalizesPath = true
    /// Sign `X-Amz-Security-Token` (the default); when `false` the token is added after signing, unsigned.
    package var signsSessionToken = true

    /// The SHA-256 of an empty payload.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// Creates a signer for `service` in `region`.
    public init(service: String, region: String) {
        self.service = service
        self.region = region
    }

    /// Returns the headers to add to the request (Authorization, X-Amz-Date, X-Amz-Security-Token when a session
    /// token is present, X-Amz-Content-Sha256 when `includeContentHash`). `headers` are the request's other headers
    /// (Host must be among them or is derived from the URL). `url` is the full URL with path and query.
    ///
    /// When Host is derived from the URL it is returned as well (`host`, or `host:port` for a port that is not the
    /// scheme's default — what AsyncHTTPClient would send). `X-Amz-Date`, `X-Amz-Security-Token`,
    /// `X-Amz-Content-Sha256` and `Authorization` among `headers` are ignored and replaced.
    public func signedHeaders(
        method: String, url: String, headers: [(String, String)], body: [UInt8],
        credentials: AWSCredentials, date: Date, includeContentHash: Bool = false
    ) -> [(String, String)] {
        self.sign(
            method: method, url: url, headers: headers, payloadHash: Self.payloadHash(of: body),
            credentials: credentials, date: date, includeContentHash: includeContentHash
        ).headers
    }

    /// Like ``signedHeaders(method:url:headers:body:credentials:date:includeContentHash:)`` for a body whose
    /// SHA-256 (lower-case hex) the caller computed, e.g. with ``payloadHash(of:)-(UnsafeRawBufferPointer)`` over
    /// a `ByteBuffer`'s readable bytes.
    public func signedHeaders(
        method: String, url: String, headers: [(String, String)], payloadHash: String,
        credentials: AWSCredentials, date: Date, includeContentHash: Bool = false
    ) -> [(String, String)] {
        self.sign(
            method: method, url: url, headers: headers, payloadHash: payloadHash,
            credentials: credentials, date: date, includeContentHash: includeContentHash
        ).headers
    }

    /// The lower-case hex SHA-256 of a body.
    public static func payloadHash(of body: [UInt8]) -> String {
        body.isEmpty ? self.emptyPayloadHash : Hex.encode(SHA256.hash(data: body))
    }

    /// The lower-case hex SHA-256 of a body held in raw memory.
    public static func payloadHash(of body: UnsafeRawBufferPointer) -> String {
        Hex.encode(SHA256.hash(data: body))
    }

    /// Signs a request and returns every intermediate artefact (for tests and debugging; never log it above debug:
    /// the canonical request contains header values).
    package func sign(
        method: String, url: String, headers: [(String, String)], payloadHash: String,
        credentials: AWSCredentials, date: Date, includeContentHash: Bool
    ) -> SigV4Signature {
        let parsed = SigV4URL(url)
        let amzDate = AWSTimestamp.amzDate(date)
        let scope = "\(AWSTimestamp.dateStamp(date))/\(self.region)/\(self.service)/aws4_request"

        var added: [(String, String)] = []
        var signed = headers.filter { !Self.replacedHeaders.contains($0.0.lowercased()) }
        if let host = parsed.host, !headers.contains(where: { $0.0.lowercased() == "host" }) {
            added.append(("Host", host))
            signed.append(("Host", host))
        }
        added.append(("X-Amz-Date", amzDate))
        signed.append(("X-Amz-Date", amzDate))
        if let token = credentials.sessionToken {
            added.append(("X-Amz-Security-Token", token))
            if self.signsSessionToken {
                signed.append(("X-Amz-Security-Token", token))
            }
        }
        if includeContentHash {
            added.append(("X-Amz-Content-Sha256", payloadHash))
            signed.append(("X-Amz-Content-Sha256", payloadHash))
        }

        let canonicalHeaders = Self.canonicalHeaders(signed)
        let canonicalRequest = [
            method.uppercased(),
            self.canonicalURI(parsed.path),
            Self.canonicalQuery(parsed.query),
            canonicalHeaders.block,
            canonicalHeaders.names,
            payloadHash,
        ].joined(separator: "\n")
        let stringToSign = [
            "AWS4-HMAC-SHA256", amzDate, scope, Hex.encode(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        let signature = Hex.encode(
            HMAC<SHA256>.authenticationCode(
                for: Array(stringToSign.utf8),
                using: self.signingKey(secret: credentials.secretAccessKey, date: date)
            )
        )
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(canonicalHeaders.names), Signature=\(signature)"
        added.append(("Authorization", authorization))
        return SigV4Signature(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature,
            authorization: authorization, headers: added
        )
    }

    /// `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
    private func signingKey(secret: String, date: Date) -> SymmetricKey {
        var key = SymmetricKey(data: Array("AWS4\(secret)".utf8))
        for part in [AWSTimestamp.dateStamp(date), self.region, self.service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        return key
    }

    /// Headers the caller may pass but the signer always sets itself.
    private static let replacedHeaders: Set<String> = [
        "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256",
    ]
}

/// The artefacts of one signature.
package struct SigV4Signature: Sendable {
    package var canonicalRequest: String
    package var stringToSign: String
    package var signature: String
    package var authorization: String
    /// The headers to add to the request, `Authorization` last.
    package var headers: [(String, String)]
}
