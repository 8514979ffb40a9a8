extension JSONata {
    /// Rewrites the raw parse tree: `.` chains become paths of steps, `[..]` become filter stages, `@`/`#` become
    /// tuple-stream steps, `%` is resolved to the step it refers to, and lambda bodies get tail calls marked.
    struct Processor {
        private var ancestorLabel = 0
        private var ancestorIndex = 0

        mutating func process(_ node: Node) throws(JSONataError) -> Node {
            let result: Node
            switch node.kind {
            case .rawDot:
                result = try processDot(node)
            case .rawPredicate:
                result = try processPredicate(node)
            case .rawGroup:
                result = try process(required(node.lhs))
                if result.group != nil {
                    throw JSONataError(
                        code: "S0210", message: "Each step can only have one grouping expression",
                        position: node.position)
                }
                var pairs: [(Node, Node)] = []
                for (key, value) in node.pairs { pairs.append((try process(key), try process(value))) }
                result.group = (pairs, node.position)
            case .rawSort:
                var path = try process(required(node.lhs))
                if path.kind != .path { path = makePath([path], position: node.position) }
                let sort = Node(.sort, position: node.position, value: "^")
                for term in node.terms {
                    let expression = try process(term.expression)
                    pushAncestry(sort, expression)
                    sort.terms.append((expression, term.descending))
                }
                path.expressions.append(sort)
                try resolveAncestry(path)
                result = path
            case .rawFocus:
                result = try process(required(node.lhs))
                var step = result
                if result.kind == .path, let last = result.expressions.last { step = last }
                if !step.stages.isEmpty || !step.predicates.isEmpty {
                    throw JSONataError(
                        code: "S0215", message: "A context variable binding must precede any predicates on a step",
                        position: node.position)
                }
                if step.kind == .sort {
                    throw JSONataError(
                        code: "S0216",
                        message: "A context variable binding must precede the 'order-by' clause on a step",
                        position: node.position)
                }
                if node.keepArray { step.keepArray = true }
                step.focus = node.rhs?.value
                step.tuple = true
            case .rawIndex:
                var path = try process(required(node.lhs))
                var step = path
                if path.kind == .path, let last = path.expressions.last {
                    step = last
                } else {
                    path = makePath([path], position: node.position)
                    if !step.predicates.isEmpty {
                        step.stages = step.predicates
                        step.predicates = []
                    }
                }
                let name = node.rhs?.value ?? ""
                if step.stages.isEmpty {
                    step.indexVariable = name
                } else {
                    step.stages.append(.index(name))
                }
                step.tuple = true
                result = path
            case .bind:
                node.lhs = try process(required(node.lhs))
                let rhs = try process(required(node.rhs))
                node.rhs = rhs
                pushAncestry(node, rhs)
                result = node
            case .apply, .binary, .and, .or:
                let lhs = try process(required(node.lhs))
                let rhs = try process(required(node.rhs))
                node.lhs = lhs
                node.rhs = rhs
                pushAncestry(node, lhs)
                pushAncestry(node, rhs)
                if node.kind == .apply && lhs.keepArray { node.keepArray = true }
                result = node
            case .negate:
                let operand = try process(required(node.lhs))
                if operand.kind == .literal, let number = operand.literal.doubleValue {
                    if case .int(let integer) = operand.literal, integer != Int.min {
                        operand.literal = .int(-integer)
                    } else {
                        operand.literal = .double(-number)
                    }
                    operand.position = node.position
                    result = operand
                } else {
                    node.lhs = operand
                    pushAncestry(node, operand)
                    result = node
                }
            case .array:
                for (offset, item) in node.expressions.enumerated() {
                    let processed = try process(item)
                    pushAncestry(node, processed)
                    node.expressions[offset] = processed
                }
                result = node
            case .object:
                for (offset, pair) in node.pairs.enumerated() {
                    let key = try process(pair.0)
                    let value = try process(pair.1)
                    pushAncestry(node, key)
                    pushAncestry(node, value)
                    node.pairs[offset] = (key, value)
                }
                result = node
            case .block:
                for (offset, item) in node.expressions.enumerated() {
                    let processed = try process(item)
                    pushAncestry(node, processed)
                    if processed.consArray
                        || (processed.kind == .path && processed.expressions.first?.consArray == true)
                    {
                        node.consArray = true
                    }
                    node.expressions[offset] = processed
                }
                result = node
            case .condition:
                let condition = try process(required(node.condition))
                node.condition = condition
                pushAncestry(node, condition)
                let then = try process(required(node.then))
                node.then = then
                pushAncestry(node, then)
                if let otherwise = node.otherwise {
                    let processed = try process(otherwise)
                    node.otherwise = processed
                    pushAncestry(node, processed)
                }
                result = node
            case .call, .partial:
                node.procedure = try process(required(node.procedure))
                for (offset, argument) in node.expressions.enumerated() {
                    let processed = try process(argument)
                    pushAncestry(node, processed)
                    node.expressions[offset] = processed
                }
                result = node
            case .lambda:
                node.body = markTailCalls(try process(required(node.body)))
                result = node
            case .transform:
                node.lhs = try process(required(node.lhs))
                node.rhs = try process(required(node.rhs))
                if let otherwise = node.otherwise { node.otherwise = try process(otherwise) }
                result = node
            case .name:
                result = makePath([node], position: node.position)
                if node.keepArray { result.keepSingletonArray = true }
            case .parent:
                let slot = Node.Slot(label: "!\(ancestorLabel)", level: 1, index: ancestorIndex)
                ancestorLabel += 1
                ancestorIndex += 1
                node.slot = slot
                result = node
            case .literal, .regex, .variable, .wildcard, .descendant, .placeholder, .path, .sort:
                result = node
            }
            if node.keepArray { result.keepArray = true }
            return result
        }

        private func required(_ node: Node?) throws(JSONataError) -> Node {
            guard let node else { throw JSONataError(code: "S0207", message: "Unexpected end of expression") }
            return node
        }

        private func makePath(_ steps: [Node], position: Int) -> Node {
            let path = Node(.path, position: position)
            path.expressions = steps
            return path
        }

        private mutating func processDot(_ node: Node) throws(JSONataError) -> Node {
            let left = try process(required(node.lhs))
            let path: Node
            if left.kind == .path {
                path = left
            } else {
                path = makePath([left], position: node.position)
            }
            if left.kind == .parent, let slot = left.slot { path.seekingParent = [slot] }
            let right = try process(required(node.rhs))
            if right.kind == .path {
                path.expressions.append(contentsOf: right.expressions)
            } else {
                if !right.predicates.isEmpty {
                    right.stages = right.predicates
                    right.predicates = []
                }
                path.expressions.append(right)
            }
            for step in path.expressions {
                if step.kind == .literal {
                    if case .string(let name) = step.literal {
                        step.kind = .name
                        step.value = name
                    } else {
                        throw JSONataError(
                            code: "S0213",
                            message:
                                "The literal value \(step.literal.serialized()) cannot be used as a step within a path expression",
                            position: step.position, token: step.literal.serialized())
                    }
                }
            }
            if path.expressions.contains(where: { $0.keepArray }) { path.keepSingletonArray = true }
            if let first = path.expressions.first, first.kind == .array { first.consArray = true }
            if let last = path.expressions.last, last.kind == .array { last.consArray = true }
            try resolveAncestry(path)
            return path
        }

        private mutating func processPredicate(_ node: Node) throws(JSONataError) -> Node {
            let result = try process(required(node.lhs))
            var step = result
            var useStages = false
            if result.kind == .path, let last = result.expressions.last {
                step = last
                useStages = true
            }
            if step.group != nil {
                throw JSONataError(
                    code: "S0209", message: "A predicate cannot follow a grouping expression in a step",
                    position: node.position)
            }
            let predicate = try process(required(node.rhs))
            for slot in predicate.seekingParent {
                if slot.level == 1 {
                    _ = try seekParent(step, slot)
                } else {
                    slot.level -= 1
                }
            }
            pushAncestry(step, predicate)
            if useStages {
                step.stages.append(.filter(predicate))
            } else {
                step.predicates.append(.filter(predicate))
            }
            return result
        }

        private func pushAncestry(_ result: Node, _ value: Node) {
            var slots = value.seekingParent
            if value.kind == .parent, let slot = value.slot, !slots.contains(where: { $0 === slot }) {
                slots.append(slot)
            }
            guard !slots.isEmpty else { return }
            for slot in slots where !result.seekingParent.contains(where: { $0 === slot }) {
                result.seekingParent.append(slot)
            }
        }

        private mutating func seekParent(_ node: Node, _ slot: Node.Slot) throws(JSONataError) -> Node.Slot {
            var slot = slot
            switch node.kind {
            case .name, .wildcard:
                slot.level -= 1
                if slot.level == 0 {
                    if let existing = node.ancestor {
                        slot.label = existing.label
                        node.ancestor = slot
                    } else {
                        node.ancestor = slot
                    }
                    node.tuple = true
                }
            case .parent:
                slot.level += 1
            case .block:
                if let last = node.expressions.last {
                    node.tuple = true
                    slot = try seekParent(last, slot)
                }
            case .path:
                node.tuple = true
                var index = node.expressions.count - 1
                slot = try seekParent(node.expressions[index], slot)
                index -= 1
                while slot.level > 0 && index >= 0 {
                    slot = try seekParent(node.expressions[index], slot)
                    index -= 1
                }
            default:
                throw JSONataError(
                    code: "S0217",
                    message: "The object representing the 'parent' cannot be derived from this expression",
                    position: node.position, token: String(describing: node.kind))
            }
            return slot
        }

        private mutating func resolveAncestry(_ path: Node) throws(JSONataError) {
            guard let last = path.expressions.last else { return }
            var slots = last.seekingParent
            if last.kind == .parent, let slot = last.slot { slots.append(slot) }
            for var slot in slots {
                var index = path.expressions.count - 2
                while slot.level > 0 {
                    if index < 0 {
                        if !path.seekingParent.contains(where: { $0 === slot }) { path.seekingParent.append(slot) }
                        break
                    }
                    var step = path.expressions[index]
                    index -= 1
                    while index >= 0 && step.focus != nil && path.expressions[index].focus != nil {
                        step = path.expressions[index]
                        index -= 1
                    }
                    slot = try seekParent(step, slot)
                }
            }
        }

        /// Marks calls in tail position of a lambda body so the evaluator can run them as a trampoline.
        private func markTailCalls(_ body: Node) -> Node {
            switch body.kind {
            case .call where body.predicates.isEmpty:
                let thunk = Node(.lambda, position: body.position, value: "function")
                thunk.thunk = true
                thunk.body = body
                return thunk
            case .condition:
                if let then = body.then { body.then = markTailCalls(then) }
                if let otherwise = body.otherwise { body.otherwise = markTailCalls(otherwise) }
                return body
            case .block:
                if let last = body.expressions.last {
                    body.expressions[body.expressions.count - 1] = markTailCalls(last)
                }
                return body
            default:
                return body
            }
        }
    }
}
