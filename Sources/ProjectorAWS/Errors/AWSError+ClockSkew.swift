public import Foundation

extension AWSError {
    /// Recognises a response that rejects a request because the local clock is off: `RequestTimeTooSkewed`,
    /// `InvalidSignatureException` / `AccessDenied` with "Signature expired" or "Signature not yet current".
    ///
    /// - Parameters:
    ///   - status: the response's HTTP status.
    ///   - body: the response body (JSON or XML; only searched for the markers, never copied into the error).
    ///   - serverDate: the response's `Date` header, used to report the size of the skew.
    ///   - localDate: the local time the request was signed with.
    ///   - source: where the response came from, e.g. `dynamodb` or `opensearch`.
    /// - Returns: a ``Code/clockSkew`` error, or `nil` when the response is something else.
    public static func clockSkew(
        status: Int, body: some Collection<UInt8>, serverDate: String? = nil, localDate: Date = Date(),
        source: String? = nil
    ) -> AWSError? {
        guard status >= 400 else { return nil }
        let markers = ["RequestTimeTooSkewed", "Signature expired", "Signature not yet current"]
        guard let marker = ByteSearch.contains(body, any: markers) else { return nil }
        var message = "the request was refused because the local clock differs from AWS's"
        if let serverDate, let remote = AWSTimestamp.parseHTTPDate(serverDate) {
            let skew = Int(localDate.timeIntervalSince(remote).rounded())
            message +=
                " by \(skew) s (local \(AWSTimestamp.iso8601(localDate)), server \(AWSTimestamp.iso8601(remote)))"
        }
        message += "; synchronise the host clock (NTP)"
        let awsCode = marker == "RequestTimeTooSkewed" ? marker : "InvalidSignature: \(marker)"
        return AWSError(code: .clockSkew, message: message, source: source, httpStatus: status, awsCode: awsCode)
    }
}
