internal import Yams

/// Turns a composed definition into a ``Projection``, recording every problem in the reader.
enum DefinitionParser {
    static let topKeys: Set<String> = ["projection", "version", "source", "key", "target", "initial", "on", "on_error"]
    static let handlerKeys: Set<String> = ["set", "unset", "when", "delete", "key"]

    static func projection(from root: Node, text: String, reader: inout YAMLReader) -> Projection? {
        guard let members = reader.members(of: root, path: "the definition", allowed: topKeys) else { return nil }
        var byKey: [String: YAMLReader.Member] = [:]
        for member in members { byKey[member.key] = member }
        let startErrors = reader.errors.count

        let name = byKey["projection"].flatMap { projectionName($0.value, reader: &reader) }
        if byKey["projection"] == nil { reader.fail(.missingKey, at: root, "missing key 'projection'") }
        // `version` defaults to 1: a definition without one is the first version; bump it to 2 to rebuild.
        let version = byKey["version"].map { reader.integer($0.value, path: "version", minimum: 1) } ?? 1

        let source = byKey["source"].map { sourceFilter($0.value, reader: &reader) } ?? (services: nil, events: nil)
        let key = expressionOrDefault(
            byKey["key"], path: "key", defaultSource: Projection.defaultKeySource, reader: &reader)
        let initial = expressionOrDefault(
            byKey["initial"], path: "initial", defaultSource: Projection.defaultInitialSource, reader: &reader)
        let target: ProjectionTarget?
        if let member = byKey["target"] {
            target = self.target(member.value, projectionName: name, reader: &reader)
        } else {
            reader.fail(.missingKey, at: root, "missing key 'target' (opensearch or dynamodb)")
            target = nil
        }
        var onError = ErrorPolicy.stop
        if let member = byKey["on_error"] {
            if let text = reader.string(member.value, path: "on_error") {
                if let policy = ErrorPolicy(rawValue: text) {
                    onError = policy
                } else {
                    reader.fail(
                        .invalidValue, at: member.value, "on_error must be 'stop' or 'dead_letter', not '\(text)'")
                }
            }
        }
        var handlers: [String: EventHandler] = [:]
        var handlerOrder: [String] = []
        if let member = byKey["on"] {
            (handlers, handlerOrder) = self.handlers(member.value, reader: &reader)
        } else {
            reader.fail(.missingKey, at: root, "missing key 'on' (the event handlers)")
        }
        let eventTypes = checkEventTypes(source.events, handlerOrder: handlerOrder, handlers: handlers, reader: &reader)

        guard reader.errors.count == startErrors, let name, let version, let key, let initial, let target else {
            return nil
        }
        return Projection(
            name: name,
            version: version,
            services: source.services,
            eventTypes: eventTypes,
            key: key,
            target: target,
            initial: initial,
            handlers: handlers,
            onError: onError,
            fingerprint: Fingerprint.of(text),
            location: byKey["projection"].map { reader.location(of: $0.keyNode) } ?? reader.location(of: root)
        )
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    static func projectionName(_ node: Node, reader: inout YAMLReader) -> String? {
        guard let name = reader.string(node, path: "projection") else { return nil }
        guard isIdentifier(name) else {
            reader.fail(
                .invalidValue, at: node,
                "projection name '\(name)' must start with a-z and contain only a-z, 0-9 and _")
            return nil
        }
        return name
    }

    static func expressionOrDefault(
        _ member: YAMLReader.Member?, path: String, defaultSource: String, reader: inout YAMLReader
    ) -> ProjectionExpression? {
        if let member, !reader.isNull(member.value) {
            return reader.expression(member.value, path: path)
        }
        let location =
            member.map { reader.location(of: $0.keyNode) } ?? SourceLocation(file: reader.file, line: 1, column: 1)
        do {
            return try ProjectionExpression(defaultSource, location: location)
        } catch {
            reader.fail(.invalidExpression, at: location, "default \(path) '\(defaultSource)': \(error)")
            return nil
        }
    }

    static func sourceFilter(_ node: Node, reader: inout YAMLReader) -> (
        services: Set<String>?, events: [(String, Node)]?
    ) {
        guard let members = reader.members(of: node, path: "source", allowed: ["services", "events"]) else {
            return (nil, nil)
        }
        var services: Set<String>?
        var events: [(String, Node)]?
        for member in members where !reader.isNull(member.value) {
            guard let list = reader.stringList(member.value, path: "source.\(member.key)") else { continue }
            if list.isEmpty {
                reader.fail(
                    .invalidValue, at: member.value, "source.\(member.key) must not be empty (leave it out instead)")
                continue
            }
            if member.key == "services" {
                services = Set(list.map(\.value))
            } else {
                events = list.map { ($0.value, $0.node) }
            }
        }
        return (services, events)
    }

    static func target(_ node: Node, projectionName: String?, reader: inout YAMLReader) -> ProjectionTarget? {
        guard let members = reader.members(of: node, path: "target", allowed: ["opensearch", "dynamodb"]) else {
            return nil
        }
        guard members.count == 1, let member = members.first else {
            reader.fail(.invalidValue, at: node, "target must have exactly one of 'opensearch' or 'dynamodb'")
            return nil
        }
        if member.key == "opensearch" {
            return openSearch(member.value, projectionName: projectionName, reader: &reader).map(
                ProjectionTarget.openSearch)
        }
        return dynamoDB(member.value, projectionName: projectionName, reader: &reader).map(ProjectionTarget.dynamoDB)
    }

    static func openSearch(_ node: Node, projectionName: String?, reader: inout YAMLReader) -> OpenSearchTarget? {
        let path = "target.opensearch"
        let members =
            reader.isNull(node) ? [] : reader.members(of: node, path: path, allowed: ["index", "settings", "mappings"])
        guard let members else { return nil }
        var index = projectionName
        var settings: JSONObject?
        var mappings: JSONObject?
        for member in members where !reader.isNull(member.value) {
            switch member.key {
            case "index":
                index = reader.string(member.value, path: "\(path).index")
                if let name = index, name != name.lowercased() || name.hasPrefix("_") || name.contains(" ") {
                    reader.fail(
                        .invalidValue, at: member.value, "\(path).index must be lowercase without spaces, not '\(name)'"
                    )
                }
            case "settings": settings = reader.jsonObject(member.value, path: "\(path).settings")
            default: mappings = reader.jsonObject(member.value, path: "\(path).mappings")
            }
        }
        return index.map { OpenSearchTarget(index: $0, settings: settings, mappings: mappings) }
    }

    static func dynamoDB(_ node: Node, projectionName: String?, reader: inout YAMLReader) -> DynamoDBTarget? {
        let path = "target.dynamodb"
        let members = reader.isNull(node) ? [] : reader.members(of: node, path: path, allowed: ["table", "key"])
        guard let members else { return nil }
        var table = projectionName
        var key = "id"
        for member in members where !reader.isNull(member.value) {
            if member.key == "table" {
                table = reader.string(member.value, path: "\(path).table")
            } else if let value = reader.string(member.value, path: "\(path).key") {
                key = value
            }
        }
        return table.map { DynamoDBTarget(table: $0, key: key) }
    }

    /// The event types to read: `source.events` plus every handled type. DESIGN.md's own example lists fewer
    /// types than it handles, so a handler is never dead because it is missing from the list; a listed type
    /// without a handler is read only to keep stream sequences moving (no document change).
    static func checkEventTypes(
        _ listed: [(String, Node)]?, handlerOrder: [String], handlers: [String: EventHandler], reader: inout YAMLReader
    ) -> [String] {
        guard let listed else { return handlerOrder }
        var seen: Set<String> = []
        return (listed.map(\.0) + handlerOrder).filter { seen.insert($0).inserted }
    }
}
