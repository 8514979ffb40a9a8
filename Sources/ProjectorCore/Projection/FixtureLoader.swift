internal import Yams

/// Reads fixture test files, reporting problems as `file:line:col: message`.
public enum FixtureLoader {
    /// Parses a fixture file's text; `file` is the name used in locations.
    public static func parse(_ text: String, file: String) throws(ProjectionDefinitionErrors) -> ProjectionFixture {
        var reader = YAMLReader(file: file, text: text)
        let parsed = reader.compose().flatMap { Self.fixture(from: $0, reader: &reader) }
        guard reader.errors.isEmpty, let parsed else { throw ProjectionDefinitionErrors(reader.errors) }
        return parsed
    }

    /// Loads one fixture file.
    public static func load(file path: String) throws(ProjectionDefinitionErrors) -> ProjectionFixture {
        try parse(try ProjectionLoader.readText(path), file: path)
    }

    /// The `*.yaml` / `*.yml` files directly in a folder, sorted.
    public static func files(in path: String) throws(ProjectionDefinitionErrors) -> [String] {
        try ProjectionLoader.definitionFiles(in: path)
    }

    static func fixture(from root: Node, reader: inout YAMLReader) -> ProjectionFixture? {
        guard let members = reader.members(of: root, path: "the fixture", allowed: ["projection", "cases"]) else {
            return nil
        }
        var name: String?
        var location = reader.location(of: root)
        var cases: [FixtureCase]?
        for member in members {
            if member.key == "projection" {
                name = reader.string(member.value, path: "projection")
                location = reader.location(of: member.keyNode)
            } else {
                cases = self.cases(member.value, reader: &reader)
            }
        }
        if name == nil, !members.contains(where: { $0.key == "projection" }) {
            reader.fail(.missingKey, at: root, "missing key 'projection'")
        }
        if cases == nil, !members.contains(where: { $0.key == "cases" }) {
            reader.fail(.missingKey, at: root, "missing key 'cases'")
        }
        guard let name, let cases else { return nil }
        return ProjectionFixture(projection: name, cases: cases, location: location)
    }

    static func cases(_ node: Node, reader: inout YAMLReader) -> [FixtureCase]? {
        guard case .sequence(let sequence) = node, !sequence.isEmpty else {
            reader.fail(.invalidValue, at: node, "cases must be a non-empty list")
            return nil
        }
        var result: [FixtureCase] = []
        var names: [String: SourceLocation] = [:]
        for (offset, item) in sequence.enumerated() {
            guard let fixtureCase = self.fixtureCase(item, path: "cases[\(offset)]", reader: &reader) else { continue }
            if let first = names[fixtureCase.name] {
                reader.fail(
                    .duplicateName, at: fixtureCase.location,
                    "case '\(fixtureCase.name)' is already defined at \(first)")
                continue
            }
            names[fixtureCase.name] = fixtureCase.location
            result.append(fixtureCase)
        }
        return result
    }

    static func fixtureCase(_ node: Node, path: String, reader: inout YAMLReader) -> FixtureCase? {
        guard let members = reader.members(of: node, path: path, allowed: ["name", "given", "expect"]) else {
            return nil
        }
        let before = reader.errors.count
        var name: String?
        var given: [FixtureEvent] = []
        var expect: [(key: String, document: JSONValue?)]?
        for member in members {
            switch member.key {
            case "name": name = reader.string(member.value, path: "\(path).name")
            case "given": given = events(member.value, path: "\(path).given", reader: &reader)
            default: expect = expectations(member.value, path: "\(path).expect", reader: &reader)
            }
        }
        for key in ["name", "expect"] where !members.contains(where: { $0.key == key }) {
            reader.fail(.missingKey, at: node, "\(path): missing key '\(key)'")
        }
        guard reader.errors.count == before, let name, let expect else { return nil }
        return FixtureCase(name: name, given: given, expect: expect, location: reader.location(of: node))
    }

    static func events(_ node: Node, path: String, reader: inout YAMLReader) -> [FixtureEvent] {
        if reader.isNull(node) { return [] }
        guard case .sequence(let sequence) = node else {
            reader.fail(.invalidValue, at: node, "\(path) must be a list of events")
            return []
        }
        var result: [FixtureEvent] = []
        for (offset, item) in sequence.enumerated() {
            if let event = event(item, path: "\(path)[\(offset)]", reader: &reader) { result.append(event) }
        }
        return result
    }

    static func event(_ node: Node, path: String, reader: inout YAMLReader) -> FixtureEvent? {
        let allowed: Set<String> = ["type", "stream", "seq", "service", "data", "created_at", "id"]
        guard let members = reader.members(of: node, path: path, allowed: allowed) else { return nil }
        let before = reader.errors.count
        var event = FixtureEvent(type: "", stream: "")
        for member in members {
            let field = "\(path).\(member.key)"
            switch member.key {
            case "type": event.type = reader.string(member.value, path: field) ?? ""
            case "stream": event.stream = reader.scalarText(member.value, path: field) ?? ""
            case "seq": event.seq = reader.integer(member.value, path: field, minimum: 1).map(Int64.init)
            case "service": event.service = reader.string(member.value, path: field)
            case "created_at": event.createdAt = reader.string(member.value, path: field)
            case "id": event.id = reader.scalarText(member.value, path: field)
            default: event.data = reader.json(member.value, path: field) ?? .null
            }
        }
        for key in ["type", "stream"] where !members.contains(where: { $0.key == key }) {
            reader.fail(.missingKey, at: node, "\(path): missing key '\(key)'")
        }
        return reader.errors.count == before ? event : nil
    }

    static func expectations(_ node: Node, path: String, reader: inout YAMLReader) -> [(
        key: String, document: JSONValue?
    )]? {
        guard let members = reader.members(of: node, path: path, allowed: nil) else { return nil }
        var result: [(key: String, document: JSONValue?)] = []
        for member in members {
            if reader.isNull(member.value) {
                result.append((member.key, nil))
                continue
            }
            guard case .mapping = member.value else {
                reader.fail(
                    .invalidValue, at: member.value, "\(path).\(member.key) must be a document (a mapping) or null")
                continue
            }
            if let document = reader.json(member.value, path: "\(path).\(member.key)") {
                result.append((member.key, document))
            }
        }
        return result
    }
}

extension YAMLReader {
    /// A non-empty scalar's text whatever its YAML type (ids and streams may look like numbers).
    mutating func scalarText(_ node: Node, path: String) -> String? {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            fail(.invalidValue, at: node, "\(path) must be a non-empty string")
            return nil
        }
        return scalar.string
    }
}
