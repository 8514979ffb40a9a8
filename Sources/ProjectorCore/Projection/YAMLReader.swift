internal import Yams

/// Reads a composed YAML tree into typed values, collecting every problem as a `file:line:col` error
/// instead of stopping at the first.
struct YAMLReader {
    /// One member of a mapping.
    struct Member {
        let key: String
        let keyNode: Node
        let value: Node
    }

    /// YAML 1.2 core-schema typing for plain scalars (`yes`/`on`, octal and sexagesimal numbers and
    /// timestamps stay strings, unlike Yams' YAML 1.1 default).
    static let resolver: Resolver = {
        let rules: [(Tag.Name, String)] = [
            (.null, "^(?:~|null|Null|NULL|)$"),
            (.bool, "^(?:true|True|TRUE|false|False|FALSE)$"),
            (.int, "^[-+]?[0-9]+$"),
            (.float, "^[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$"),
        ]
        var resolver = Resolver.basic
        for (tag, pattern) in rules {
            if let extended = try? resolver.appending(tag, pattern) { resolver = extended }
        }
        return resolver
    }()

    let file: String
    let text: String
    private(set) var errors: [ProjectionDefinitionError] = []
    private var lineCache: [Substring]?

    init(file: String, text: String) {
        self.file = file
        self.text = text
    }

    /// Composes the text; syntax errors are recorded and give `nil`.
    mutating func compose() -> Node? {
        do {
            return try Yams.compose(yaml: text, Self.resolver)
        } catch let error as YamlError {
            record(syntaxError: error)
        } catch {
            fail(.yamlSyntax, line: 1, column: 1, "not valid YAML")
        }
        return nil
    }

    private mutating func record(syntaxError error: YamlError) {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let what = context.map { "\($0.text): " } ?? ""
            fail(.yamlSyntax, line: mark.line, column: mark.column, "invalid YAML: \(what)\(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            fail(.yamlSyntax, line: context.mark.line, column: context.mark.column, "duplicate key \(names)")
        case .reader(let problem, _, _, _):
            fail(.yamlSyntax, line: 1, column: 1, "unreadable text: \(problem)")
        default:
            fail(.yamlSyntax, line: 1, column: 1, "not valid YAML")
        }
    }

    // MARK: Errors and locations

    func location(of node: Node?) -> SourceLocation {
        let mark = node?.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    mutating func fail(_ code: ProjectionDefinitionError.Code, at node: Node?, _ message: String) {
        errors.append(ProjectionDefinitionError(code, at: location(of: node), message))
    }

    mutating func fail(_ code: ProjectionDefinitionError.Code, line: Int, column: Int, _ message: String) {
        errors.append(
            ProjectionDefinitionError(code, at: SourceLocation(file: file, line: line, column: column), message))
    }

    mutating func fail(_ code: ProjectionDefinitionError.Code, at location: SourceLocation, _ message: String) {
        errors.append(ProjectionDefinitionError(code, at: location, message))
    }

    var lines: [Substring] {
        mutating get {
            if let lineCache { return lineCache }
            let split = text.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.hasSuffix("\r") ? $0.dropLast() : $0
            }
            lineCache = split
            return split
        }
    }

    // MARK: Typed reads

    /// `true` for YAML null (`~`, `null`, empty).
    func isNull(_ node: Node) -> Bool {
        if case .scalar = node, node.tagName == .null { return true }
        return false
    }

    /// The members of a mapping, after reporting keys outside `allowed` (`nil`: any key).
    mutating func members(of node: Node, path: String, allowed: Set<String>?) -> [Member]? {
        guard case .mapping(let mapping) = node else {
            fail(.invalidValue, at: node, "\(path) must be a mapping")
            return nil
        }
        var result: [Member] = []
        result.reserveCapacity(mapping.count)
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                fail(.invalidValue, at: keyNode, "keys in \(path) must be strings")
                continue
            }
            if let allowed, !allowed.contains(scalar.string) {
                let expected = allowed.sorted().joined(separator: ", ")
                fail(
                    .unknownKey, at: keyNode, "unknown key '\(scalar.string)' in \(path) (expected one of: \(expected))"
                )
                continue
            }
            result.append(Member(key: scalar.string, keyNode: keyNode, value: value))
        }
        return result
    }

    /// A scalar's text (any scalar style), or an error naming `path`.
    mutating func string(_ node: Node, path: String, nonEmpty: Bool = true) -> String? {
        guard case .scalar(let scalar) = node, !isNull(node) || !nonEmpty else {
            fail(.invalidValue, at: node, "\(path) must be a string")
            return nil
        }
        if nonEmpty, scalar.string.isEmpty {
            fail(.invalidValue, at: node, "\(path) must not be empty")
            return nil
        }
        return scalar.string
    }

    mutating func integer(_ node: Node, path: String, minimum: Int) -> Int? {
        guard case .scalar(let scalar) = node, node.tagName == .int, let value = Int(scalar.string),
            value >= minimum
        else {
            fail(.invalidValue, at: node, "\(path) must be an integer ≥ \(minimum)")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node, path: String) -> Bool? {
        guard case .scalar(let scalar) = node, node.tagName == .bool else {
            fail(.invalidValue, at: node, "\(path) must be true or false")
            return nil
        }
        return scalar.string.lowercased() == "true"
    }

    /// A list of strings; a single string counts as a list of one.
    mutating func stringList(_ node: Node, path: String) -> [(value: String, node: Node)]? {
        if case .scalar = node {
            return string(node, path: path).map { [($0, node)] }
        }
        guard case .sequence(let sequence) = node else {
            fail(.invalidValue, at: node, "\(path) must be a list of strings")
            return nil
        }
        var result: [(value: String, node: Node)] = []
        for (offset, item) in sequence.enumerated() {
            guard let value = string(item, path: "\(path)[\(offset)]") else { continue }
            result.append((value, item))
        }
        return result
    }

    /// A JSONata expression from a scalar (its text, whatever YAML type it resolves to), compiled.
    mutating func expression(_ node: Node, path: String) -> ProjectionExpression? {
        guard case .scalar(let scalar) = node else {
            fail(.invalidValue, at: node, "\(path) must be a JSONata expression (a string)")
            return nil
        }
        guard !scalar.string.trimmingSpaces().isEmpty else {
            fail(.invalidExpression, at: node, "\(path) is an empty expression")
            return nil
        }
        let start = expressionLocation(scalar, offset: 0)
        do {
            return try ProjectionExpression(scalar.string, location: start)
        } catch {
            let at = expressionLocation(scalar, offset: error.position.map { max($0 - 1, 0) } ?? 0)
            fail(.invalidExpression, at: at, "\(path): \(error.code): \(error.message)")
            return nil
        }
    }

    /// Converts a YAML value to JSON (core-schema typing; mapping keys are strings).
    mutating func json(_ node: Node, path: String) -> JSONValue? {
        switch node {
        case .scalar(let scalar):
            switch node.tagName {
            case .null: return .null
            case .bool: return .bool(scalar.string.lowercased() == "true")
            case .int:
                if let value = Int(scalar.string) { return .int(value) }
                return Double(scalar.string).map(JSONValue.double) ?? .string(scalar.string)
            case .float:
                return Double(scalar.string).map(JSONValue.double) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            var array: [JSONValue] = []
            array.reserveCapacity(sequence.count)
            for (offset, item) in sequence.enumerated() {
                guard let value = json(item, path: "\(path)[\(offset)]") else { return nil }
                array.append(value)
            }
            return .array(array)
        case .mapping:
            return jsonObject(node, path: path).map(JSONValue.object)
        case .alias:
            fail(.invalidValue, at: node, "\(path): YAML aliases are not supported")
            return nil
        }
    }

    mutating func jsonObject(_ node: Node, path: String) -> JSONObject? {
        guard let members = members(of: node, path: path, allowed: nil) else { return nil }
        var object = JSONObject(minimumCapacity: members.count)
        for member in members {
            guard let value = json(member.value, path: "\(path).\(member.key)") else { return nil }
            object[member.key] = value
        }
        return object
    }
}

extension Node {
    /// The resolved tag (`tag:yaml.org,2002:int`, …); resolving is lazy in Yams and only `Node.tag` does it.
    var tagName: Tag.Name { Tag.Name(rawValue: tag.rawValue) }
}
