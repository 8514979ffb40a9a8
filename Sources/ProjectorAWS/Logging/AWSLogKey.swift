/// Logger metadata keys of ProjectorAWS.
enum AWSLogKey {
    static let roleARN = "projector.aws.role_arn"
    /// Only ever the first four characters (``AWSCredentials/redactedAccessKeyID``).
    static let accessKeyID = "projector.aws.access_key_id"
    static let expiration = "projector.aws.expiration"
    static let attempt = "projector.aws.attempt"
    static let error = "projector.aws.error"
    static let provider = "projector.aws.provider"
}
