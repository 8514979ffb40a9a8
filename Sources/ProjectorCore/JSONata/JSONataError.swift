/// An error raised while compiling or evaluating a JSONata expression.
///
/// `code` is JSONata's error code (`S0201` syntax, `T0410` type, `D3001` dynamic, `U1001` resource guard);
/// `position` is the character offset into the expression source that JSONata reports for the error.
/// The message never carries document contents beyond the offending token or a short value.
public struct JSONataError: Error, Sendable, Hashable, CustomStringConvertible {
    /// JSONata's error code, e.g. `"T0410"`.
    public var code: String
    /// Human-readable text.
    public var message: String
    /// Character offset into the source, as JSONata reports it.
    public var position: Int?
    /// The token the error is about, when there is one.
    public var token: String?

    /// Creates an error.
    public init(code: String, message: String, position: Int? = nil, token: String? = nil) {
        self.code = code
        self.message = message
        self.position = position
        self.token = token
    }

    /// `"T0410: message at col N"`.
    public var description: String {
        if let position { return "\(code): \(message) at col \(position)" }
        return "\(code): \(message)"
    }
}
