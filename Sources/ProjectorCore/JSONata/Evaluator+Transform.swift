extension JSONata.Evaluator {
    /// `| pattern | update [, delete] |` applied to a copy of `value`.
    func evaluateTransform(_ node: Node, _ value: Value?, _ environment: Environment) throws(JSONataError) -> Value? {
        guard let value else { return nil }
        guard value.isObject || value.isArray else {
            throw JSONataError(
                code: "T0410", message: "Argument 1 of function transform does not match function signature",
                position: node.position, token: "transform")
        }
        var root = JSONata.MutableTree(value)
        let matches = try evaluate(node.left, root.value, environment)
        let targets = matches.map { $0.isArray ? $0.elements : [$0] } ?? []
        for target in targets {
            guard let reference = JSONata.MutableTree.reference(of: target) else { continue }
            if let update = try evaluate(node.right, target, environment) {
                guard update.isObject else {
                    throw JSONataError(
                        code: "T2011",
                        message:
                            "The insert/update clause of the transform expression must evaluate to an object: \(Self.describe(update))",
                        position: node.right.position)
                }
                for (key, member) in update.objectEntries { reference.set(key, member) }
            }
            if let deleteNode = node.otherwise, let deletions = try evaluate(deleteNode, target, environment) {
                let names = deletions.isArray ? deletions.elements : [deletions]
                guard names.allSatisfy({ $0.stringValue != nil }) else {
                    throw JSONataError(
                        code: "T2012",
                        message:
                            "The delete clause of the transform expression must evaluate to a string or array of strings: \(Self.describe(deletions))",
                        position: deleteNode.position)
                }
                for name in names { reference.remove(name.stringValue ?? "") }
            }
        }
        root.refresh()
        return root.result
    }
}
