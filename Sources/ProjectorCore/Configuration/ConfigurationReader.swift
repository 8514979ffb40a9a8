internal import Yams

/// Reads typed values out of a composed YAML tree, with errors that point at the value.
struct ConfigurationReader {
    let file: String

    func error(_ code: ConfigurationError.Code, at node: Node?, key: String?, _ message: String) -> ConfigurationError {
        ConfigurationError(
            code: code,
            file: file,
            line: node?.mark?.line,
            column: node?.mark?.column,
            key: key,
            message: message
        )
    }

    /// The members of a mapping, after checking every key is one of `allowed`.
    /// `section` is the dotted path of the mapping (`nil` at the top level).
    func members(of node: Node, section: String?, allowed: Set<String>) throws(ConfigurationError) -> [(
        key: String, path: String, value: Node
    )] {
        guard case .mapping(let mapping) = node else {
            throw error(.invalidValue, at: node, key: section, "\(section ?? "the file") must be a mapping")
        }
        var result: [(key: String, path: String, value: Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw error(.malformedFile, at: keyNode, key: section, "keys must be plain strings")
            }
            let key = scalar.string
            guard allowed.contains(key) else {
                let place = section.map { " in \($0)" } ?? ""
                throw error(.unknownKey, at: keyNode, key: section, "unknown key '\(key)'\(place)")
            }
            result.append((key, section.map { "\($0).\(key)" } ?? key, value))
        }
        return result
    }

    /// `true` when the value is YAML null (`~`, `null` or empty): the key keeps its default.
    func isNull(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node, scalar.style == .plain,
            ["", "~", "null", "Null", "NULL"].contains(scalar.string)
        {
            return true
        }
        return false
    }

    func string(_ node: Node, key: String) throws(ConfigurationError) -> String {
        guard case .scalar(let scalar) = node else {
            throw error(.invalidValue, at: node, key: key, "\(key) must be a string")
        }
        return scalar.string
    }

    func nonEmptyString(_ node: Node, key: String) throws(ConfigurationError) -> String {
        let value = try string(node, key: key)
        guard !value.isEmpty else { throw error(.invalidValue, at: node, key: key, "\(key) must not be empty") }
        return value
    }

    func integer(_ node: Node, key: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string), range.contains(value) else {
            throw error(
                .invalidValue, at: node, key: key,
                "\(key) must be an integer between \(range.lowerBound) and \(range.upperBound)"
            )
        }
        return value
    }

    func bool(_ node: Node, key: String) throws(ConfigurationError) -> Bool {
        guard case .scalar = node, let value = node.bool else {
            throw error(.invalidValue, at: node, key: key, "\(key) must be true or false")
        }
        return value
    }

    func duration(_ node: Node, key: String) throws(ConfigurationError) -> Duration {
        guard case .scalar(let scalar) = node, let value = ConfigurationDuration.parse(scalar.string),
            value > .zero
        else {
            throw error(.invalidValue, at: node, key: key, "\(key) must be a positive duration like 250ms, 1s or 2m")
        }
        return value
    }

    func identifier(_ node: Node, key: String) throws(ConfigurationError) -> SQLIdentifier {
        let text = try string(node, key: key)
        guard let identifier = SQLIdentifier(text) else {
            throw error(
                .invalidIdentifier, at: node, key: key,
                "\(key) must be a plain SQL identifier matching [A-Za-z_][A-Za-z0-9_$]* (at most 63 bytes)"
            )
        }
        return identifier
    }

    func tableName(_ node: Node, key: String) throws(ConfigurationError) -> SQLTableName {
        let text = try string(node, key: key)
        guard let name = SQLTableName(text) else {
            throw error(
                .invalidIdentifier, at: node, key: key,
                "\(key) must be table or schema.table, each part matching [A-Za-z_][A-Za-z0-9_$]*"
            )
        }
        return name
    }

    func oneOf<Value: RawRepresentable & CaseIterable>(
        _ node: Node,
        key: String,
        as type: Value.Type
    ) throws(ConfigurationError) -> Value where Value.RawValue == String {
        let text = try string(node, key: key)
        guard let value = Value(rawValue: text) else {
            let choices = Value.allCases.map(\.rawValue).joined(separator: " or ")
            throw error(.invalidValue, at: node, key: key, "\(key) must be \(choices)")
        }
        return value
    }

    /// A YAML subtree as plain JSON (used for sections other components interpret).
    func json(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style != .plain { return .string(scalar.string) }
            if isNull(node) { return .null }
            if let value = node.bool { return .bool(value) }
            if let value = Int(scalar.string) { return .int(value) }
            if let value = node.float { return .double(value) }
            return .string(scalar.string)
        case .sequence(let sequence):
            return .array(sequence.map { json($0) })
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping { object[key.string ?? ""] = json(value) }
            return .object(object)
        case .alias:
            return .null
        }
    }
}
