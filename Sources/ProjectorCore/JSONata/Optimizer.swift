extension JSONata {
    /// Post-processing of a compiled tree: marks paths that can take the fast walk.
    enum Optimizer {
        static func optimize(_ node: Node) {
            visit(node)
        }

        private static func isPlain(_ step: Node) -> Bool {
            step.predicates.isEmpty && step.stages.isEmpty && step.group == nil && step.focus == nil
                && step.indexVariable == nil && step.ancestor == nil && !step.tuple && !step.keepArray
                && !step.consArray
        }

        private static func visit(_ node: Node) {
            if node.kind == .path, !node.keepSingletonArray, node.group == nil, !node.tuple,
                let first = node.expressions.first, first.kind == .variable || first.kind == .name
            {
                node.simplePath =
                    node.expressions.allSatisfy(isPlain)
                    && node.expressions.dropFirst().allSatisfy { $0.kind == .name }
                    && first.value != "$"
            }
            for child in children(of: node) { visit(child) }
        }

        private static func children(of node: Node) -> [Node] {
            var result: [Node] = []
            for child in [node.lhs, node.rhs, node.condition, node.then, node.otherwise, node.procedure, node.body] {
                if let child { result.append(child) }
            }
            result.append(contentsOf: node.expressions)
            for (key, value) in node.pairs {
                result.append(key)
                result.append(value)
            }
            if let group = node.group {
                for (key, value) in group.pairs {
                    result.append(key)
                    result.append(value)
                }
            }
            result.append(contentsOf: node.terms.map(\.expression))
            for stage in node.predicates + node.stages {
                if case .filter(let predicate) = stage { result.append(predicate) }
            }
            return result
        }
    }
}
