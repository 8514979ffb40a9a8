extension JSONataExpression {
    /// The top-level fields of the event's `data` that this expression can read, when it reads `data` only by name
    /// (`$event.data.amount`, `$.data.owner`, `data.items[0]` at the top level); `nil` when it may read more: `data`
    /// as a whole (`$merge([$doc, $event.data])`), `$event` or the input as a value (`$lookup($event, …)`,
    /// `$e := $event`), a wildcard or descendant step at the top level, a filter or grouping on `data` itself.
    ///
    /// Conservative by construction: any use of the event it does not recognise yields `nil`. In an expression
    /// evaluated against the event, `$event`, `$$`, and `$` or a bare name at the top level all mean the event;
    /// inside a path's later steps, filters and groupings the context is something else, so names there are free.
    public var eventDataFields: Set<String>? {
        var analysis = EventDataFieldAnalysis()
        analysis.visit(root, atTop: true)
        return analysis.readsWholeEvent ? nil : analysis.fields
    }
}

/// The walk behind ``JSONataExpression/eventDataFields``.
private struct EventDataFieldAnalysis {
    typealias Node = JSONata.Node

    var fields: Set<String> = []
    var readsWholeEvent = false

    /// `atTop`: whether the context (`$`, bare names) is still the expression's input, the event.
    mutating func visit(_ node: Node, atTop: Bool) {
        guard !readsWholeEvent else { return }
        switch node.kind {
        case .path:
            visitPath(node, atTop: atTop)
            return
        case .variable:
            if isEvent(node, atTop: atTop) { readsWholeEvent = true }
        case .name:
            // A bare `data` at the top is the whole payload; other top-level names are the event's own fields.
            if atTop && node.value == "data" { readsWholeEvent = true }
        case .wildcard, .descendant, .parent:
            if atTop { readsWholeEvent = true }
        default:
            break
        }
        visitChildren(of: node, atTop: atTop)
    }

    private func isEvent(_ variable: Node, atTop: Bool) -> Bool {
        variable.value == "event" || variable.value == "$" || (variable.value.isEmpty && atTop)
    }

    private mutating func visitPath(_ path: Node, atTop: Bool) {
        let steps = path.expressions
        guard let first = steps.first else { return }
        var eventSteps: ArraySlice<Node>?
        if first.kind == .variable, isEvent(first, atTop: atTop) {
            guard Self.isPlain(first) else {
                readsWholeEvent = true
                return
            }
            eventSteps = steps.dropFirst()
        } else if first.kind == .name, atTop {
            eventSteps = steps[...]
        }
        guard let eventSteps else {
            visit(first, atTop: atTop)
            visitStepOperators(of: first)
            for step in steps.dropFirst() { visit(step, atTop: false) }
            visitRest(of: path)
            return
        }
        guard let member = eventSteps.first, member.kind == .name else {
            readsWholeEvent = true
            return
        }
        var rest = eventSteps.dropFirst()
        if member.value == "data" {
            guard Self.isPlain(member), let field = rest.first, field.kind == .name else {
                readsWholeEvent = true
                return
            }
            fields.insert(field.value)
            visitStepOperators(of: field)
            rest = rest.dropFirst()
        } else {
            visitStepOperators(of: member)
        }
        for step in rest { visit(step, atTop: false) }
        visitRest(of: path)
    }

    /// A step's filters and groupings: evaluated against the step's own values, not the event.
    private mutating func visitStepOperators(of step: Node) {
        for stage in step.predicates + step.stages {
            if case .filter(let filter) = stage { visit(filter, atTop: false) }
        }
        if let group = step.group {
            for (key, value) in group.pairs {
                visit(key, atTop: false)
                visit(value, atTop: false)
            }
        }
    }

    /// A path node's own operators besides its steps (filters, grouping, sort terms after the last step).
    private mutating func visitRest(of path: Node) {
        visitStepOperators(of: path)
        for term in path.terms { visit(term.expression, atTop: false) }
    }

    private mutating func visitChildren(of node: Node, atTop: Bool) {
        for child in [node.lhs, node.rhs, node.condition, node.then, node.otherwise, node.procedure, node.body] {
            if let child { visit(child, atTop: atTop) }
        }
        for child in node.expressions { visit(child, atTop: atTop) }
        for (key, value) in node.pairs {
            visit(key, atTop: atTop)
            visit(value, atTop: atTop)
        }
        // Sort terms, filters and groupings evaluate against the values they order or filter.
        for term in node.terms { visit(term.expression, atTop: false) }
        visitStepOperators(of: node)
    }

    /// No filters, grouping, focus/index bindings, parent references or array-keeping on the step.
    private static func isPlain(_ step: Node) -> Bool {
        step.predicates.isEmpty && step.stages.isEmpty && step.group == nil && step.focus == nil
            && step.indexVariable == nil && step.ancestor == nil && !step.tuple && !step.keepArray
            && !step.keepSingletonArray && !step.consArray && step.seekingParent.isEmpty && step.slot == nil
    }
}
