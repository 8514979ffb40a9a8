public import Foundation

/// A set of AWS credentials: an access key pair, optionally a session token and the time they stop working.
///
/// `description`, `debugDescription` and the reflection mirror (used by `dump` and string interpolation) never show
/// the secret key or the session token, and show only the first four characters of the access key ID (`AKIA…`
/// for long-term keys, `ASIA…` for temporary ones).
public struct AWSCredentials: Sendable, Hashable {
    /// The access key ID (`AKIA…` or `ASIA…`).
    public var accessKeyID: String
    /// The secret access key. Never logged.
    public var secretAccessKey: String
    /// The session token of temporary credentials; sent as `X-Amz-Security-Token`. Never logged.
    public var sessionToken: String?
    /// When temporary credentials stop working; `nil` for long-term keys.
    public var expiration: Date?

    /// Creates credentials from their parts.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    /// The access key ID shortened to its first four characters, safe to log.
    public var redactedAccessKeyID: String {
        self.accessKeyID.count > 4 ? "\(self.accessKeyID.prefix(4))…" : "…"
    }
}

extension AWSCredentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The redacted form: access key prefix, `<redacted>` secrets and the expiration.
    public var description: String {
        var text = "AWSCredentials(accessKeyID: \(self.redactedAccessKeyID), secretAccessKey: <redacted>"
        if self.sessionToken != nil {
            text += ", sessionToken: <redacted>"
        }
        if let expiration = self.expiration {
            text += ", expiration: \(AWSTimestamp.iso8601(expiration))"
        }
        return text + ")"
    }

    /// The same redacted text as ``description``.
    public var debugDescription: String { self.description }

    /// A mirror with the same redactions, so `dump` shows no secret.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "accessKeyID": self.redactedAccessKeyID,
                "secretAccessKey": "<redacted>",
                "sessionToken": self.sessionToken == nil ? "nil" : "<redacted>",
                "expiration": self.expiration.map(AWSTimestamp.iso8601) ?? "nil",
            ],
            displayStyle: .struct
        )
    }
}
