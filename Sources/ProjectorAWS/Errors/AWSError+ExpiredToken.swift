extension AWSError {
    /// Recognises a response that rejects the request's session token as expired (`ExpiredToken`,
    /// `ExpiredTokenException`, "The security token included in the request is expired") — temporary credentials
    /// that ran out before their stated expiration, e.g. after the host slept. Call
    /// ``AWSCredentialProvider/invalidateCredentials()`` and retry once.
    ///
    /// - Returns: an ``Code/expiredCredentials`` error, or `nil` when the response is something else.
    public static func expiredToken(status: Int, body: some Collection<UInt8>, source: String? = nil) -> AWSError? {
        guard status >= 400 else { return nil }
        let markers = ["ExpiredToken", "security token included in the request is expired"]
        guard ByteSearch.contains(body, any: markers) != nil else { return nil }
        return AWSError(
            code: .expiredCredentials, message: "the service rejected the session token as expired", source: source,
            httpStatus: status, awsCode: "ExpiredToken"
        )
    }
}
