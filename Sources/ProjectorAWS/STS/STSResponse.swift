import Foundation

/// Reads STS `AssumeRoleWithWebIdentity` responses.
enum STSResponse {
    /// The credentials of a successful response.
    static func credentials(from xml: String) throws -> AWSCredentials {
        let body = Substring(xml)
        func field(_ name: String) throws -> String {
            guard let value = STSXML.text(of: name, within: "Credentials", in: body), !value.isEmpty else {
                throw AWSError(
                    code: .invalidResponse, message: "STS response has no Credentials/\(name)", source: "sts"
                )
            }
            return value.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let expirationText = try field("Expiration")
        guard let expiration = AWSTimestamp.parseISO8601(expirationText) else {
            throw AWSError(
                code: .invalidResponse,
                message: "STS response has an unreadable Expiration \(AWSError.oneLine(expirationText, limit: 40))",
                source: "sts"
            )
        }
        return AWSCredentials(
            accessKeyID: try field("AccessKeyId"), secretAccessKey: try field("SecretAccessKey"),
            sessionToken: try field("SessionToken"), expiration: expiration
        )
    }

    /// The error code and message of an error response (`<ErrorResponse><Error><Code>…`), when present.
    static func error(from xml: String) -> (code: String?, message: String?) {
        let body = Substring(xml)
        return (
            STSXML.text(of: "Code", within: "Error", in: body),
            STSXML.text(of: "Message", within: "Error", in: body)
        )
    }
}
