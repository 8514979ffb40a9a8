extension JSONata {
    /// A function of the library.
    struct Builtin: Sendable {
        typealias Implementation = @Sendable (inout [Value?], CallContext) throws(JSONataError) -> Value?
        let name: String
        let signature: Signature?
        let implementation: Implementation

        init(_ name: String, _ signature: String?, _ implementation: @escaping Implementation) {
            self.name = name
            // Library signatures are constants; a malformed one is a programming error caught by the unit tests.
            self.signature = signature.flatMap { try? Signature($0, position: 0) }
            self.implementation = implementation
        }
    }
}
