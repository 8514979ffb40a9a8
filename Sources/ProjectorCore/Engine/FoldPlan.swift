/// A projection's expressions prepared once for folding: kernels compiled, handlers found by event type without
/// hashing, and one shared reference per handler so routed events do not copy ``EventHandler`` values.
struct FoldPlan: Sendable {
    /// One handler with its expressions compiled.
    final class Handler: Sendable {
        /// One `set` entry.
        struct Assignment: Sendable {
            let field: String
            let expression: CompiledExpression
        }

        enum Action: Sendable {
            case replace(CompiledExpression)
            case update(set: [Assignment], unset: [String])
            case delete
        }

        let handler: EventHandler
        /// The handler's `key`, else the projection's.
        let key: CompiledExpression
        let keyIsStream: Bool
        let when: CompiledExpression?
        let action: Action

        init(_ handler: EventHandler, projectionKey: CompiledExpression) {
            self.handler = handler
            key = handler.key.map(CompiledExpression.init) ?? projectionKey
            keyIsStream = key.expression.shortcut == .eventStream
            when = handler.when.map(CompiledExpression.init)
            switch handler.action {
            case .replace(let expression):
                action = .replace(CompiledExpression(expression))
            case .update(let assignments, let unset):
                action = .update(
                    set: assignments.map { Assignment(field: $0.field, expression: CompiledExpression($0.expression)) },
                    unset: unset)
            case .delete:
                action = .delete
            }
        }

        var isDelete: Bool {
            if case .delete = action { return true }
            return false
        }
    }

    let initial: CompiledExpression
    private let services: Set<String>?
    /// `services` as a list while it is short (compared without hashing).
    private let serviceList: [String]?
    private let types: [String]
    private let handlers: [Handler]
    private let byType: [String: Handler]

    /// Up to this many handlers a linear scan of (mostly short, inline) type strings beats hashing.
    private static let linearLimit = 8

    init(projection: Projection) {
        initial = CompiledExpression(projection.initial)
        let key = CompiledExpression(projection.key)
        let ordered = projection.handlers.sorted { $0.key < $1.key }
        handlers = ordered.map { Handler($0.value, projectionKey: key) }
        types = ordered.map(\.key)
        byType = Dictionary(uniqueKeysWithValues: zip(types, handlers))
        services = projection.services
        serviceList = projection.services.flatMap { $0.count <= Self.linearLimit ? Array($0) : nil }
    }

    /// The handler for `event`, or `nil` when the projection ignores it (as ``Projection/handler(for:)``).
    @inline(__always)
    func handler(for event: Event) -> Handler? {
        handler(service: event.service, type: event.type)
    }

    /// The handler for an event of `service` and `type` (read from the event without copying it).
    @inline(__always)
    func handler(service: String, type: String) -> Handler? {
        if let serviceList {
            guard serviceList.contains(service) else { return nil }
        } else if let services, !services.contains(service) {
            return nil
        }
        guard types.count <= Self.linearLimit else { return byType[type] }
        for offset in types.indices where types[offset] == type { return handlers[offset] }
        return nil
    }
}
