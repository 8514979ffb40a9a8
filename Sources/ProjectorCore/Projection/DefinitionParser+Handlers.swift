internal import Yams

extension DefinitionParser {
    /// The `on` mapping: handlers by event type, and the types in definition order.
    static func handlers(_ node: Node, reader: inout YAMLReader) -> ([String: EventHandler], [String]) {
        guard let members = reader.members(of: node, path: "on", allowed: nil) else { return ([:], []) }
        if members.isEmpty { reader.fail(.invalidValue, at: node, "'on' needs at least one event handler") }
        var handlers: [String: EventHandler] = [:]
        var order: [String] = []
        for member in members {
            let eventType = member.key
            order.append(eventType)
            guard !eventType.isEmpty else {
                reader.fail(.invalidValue, at: member.keyNode, "event type in 'on' must not be empty")
                continue
            }
            if let handler = handler(member, reader: &reader) {
                handlers[eventType] = handler
            }
        }
        return (handlers, order)
    }

    static func handler(_ member: YAMLReader.Member, reader: inout YAMLReader) -> EventHandler? {
        let eventType = member.key
        let path = "on.\(eventType)"
        let location = reader.location(of: member.keyNode)
        if case .scalar = member.value {
            guard let expression = reader.expression(member.value, path: path) else { return nil }
            return EventHandler(eventType: eventType, action: .replace(expression), location: location)
        }
        guard let members = reader.members(of: member.value, path: path, allowed: handlerKeys) else { return nil }
        let before = reader.errors.count
        var when: ProjectionExpression?
        var key: ProjectionExpression?
        var assignments: [FieldAssignment]?
        var unset: [String]?
        var delete = false
        var setNode: Node?
        for item in members {
            switch item.key {
            case "when": when = reader.expression(item.value, path: "\(path).when")
            case "key": key = reader.expression(item.value, path: "\(path).key")
            case "set":
                setNode = item.value
                assignments = fieldAssignments(item.value, path: "\(path).set", reader: &reader)
            case "unset":
                unset = reader.stringList(item.value, path: "\(path).unset").map { list in
                    for (field, node) in list where field == Projection.metadataField {
                        reader.fail(.invalidValue, at: node, "\(path).unset: field '\(field)' is reserved")
                    }
                    return list.map(\.value)
                }
            default:
                delete = reader.bool(item.value, path: "\(path).delete") ?? false
            }
        }
        if delete, assignments != nil || unset != nil {
            reader.fail(.inconsistent, at: member.value, "\(path): 'delete: true' cannot be combined with set or unset")
        }
        if !delete, assignments == nil, unset == nil, reader.errors.count == before {
            reader.fail(.missingKey, at: member.value, "\(path) needs 'set', 'unset' or 'delete: true'")
        }
        if let assignments, let unset, let setNode {
            for field in unset where assignments.contains(where: { $0.field == field }) {
                reader.fail(.inconsistent, at: setNode, "\(path): field '\(field)' is both in set and unset")
            }
        }
        guard reader.errors.count == before else { return nil }
        let action: EventHandler.Action = delete ? .delete : .update(set: assignments ?? [], unset: unset ?? [])
        return EventHandler(eventType: eventType, when: when, key: key, action: action, location: location)
    }

    static func fieldAssignments(_ node: Node, path: String, reader: inout YAMLReader) -> [FieldAssignment]? {
        guard let members = reader.members(of: node, path: path, allowed: nil) else { return nil }
        var result: [FieldAssignment] = []
        result.reserveCapacity(members.count)
        for member in members {
            guard !member.key.isEmpty, member.key != Projection.metadataField else {
                reader.fail(.invalidValue, at: member.keyNode, "\(path): field name '\(member.key)' is not allowed")
                continue
            }
            if let expression = reader.expression(member.value, path: "\(path).\(member.key)") {
                result.append(FieldAssignment(field: member.key, expression: expression))
            }
        }
        return result
    }
}
