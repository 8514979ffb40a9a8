extension JSONata {
    /// The context a library function runs in.
    struct CallContext {
        let evaluator: Evaluator
        let input: Value?
        let environment: Environment
        let position: Int
    }
}
