internal import Foundation
internal import Yams

/// Reads projection definitions (DESIGN.md §4) from YAML, reporting every problem as `file:line:col: message`.
public enum ProjectionLoader {
    /// Parses one definition from its text; `file` is the name used in locations.
    public static func parse(_ text: String, file: String) throws(ProjectionDefinitionErrors) -> Projection {
        var reader = YAMLReader(file: file, text: text)
        let projection = reader.compose().flatMap { DefinitionParser.projection(from: $0, text: text, reader: &reader) }
        guard reader.errors.isEmpty, let projection else {
            throw ProjectionDefinitionErrors(reader.errors)
        }
        return projection
    }

    /// Loads one definition file.
    public static func load(file path: String) throws(ProjectionDefinitionErrors) -> Projection {
        try parse(try readText(path), file: path)
    }

    /// Loads every `*.yaml` / `*.yml` file of a folder (not its subfolders, so `tests/` is left out), in name
    /// order, and checks that projection names are unique. Returns what loaded and every error found.
    public static func loadDirectory(_ path: String) -> ProjectionSet {
        let files: [String]
        do {
            files = try definitionFiles(in: path)
        } catch {
            return ProjectionSet(projections: [], errors: error.errors)
        }
        var set = ProjectionSet(projections: [], errors: [])
        var seen: [String: SourceLocation] = [:]
        for file in files {
            do {
                let projection = try load(file: file)
                if let first = seen[projection.name] {
                    set.errors.append(
                        ProjectionDefinitionError(
                            .duplicateName, at: projection.location,
                            "projection '\(projection.name)' is already defined at \(first)"))
                    continue
                }
                seen[projection.name] = projection.location
                set.projections.append(projection)
            } catch {
                set.errors.append(contentsOf: error.errors)
            }
        }
        return set
    }

    /// Loads a folder (see ``loadDirectory(_:)``) or, when `path` is a file, that one definition.
    public static func load(path: String) -> ProjectionSet {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return ProjectionSet(
                projections: [],
                errors: [
                    ProjectionDefinitionError(
                        .unreadableFile, at: SourceLocation(file: path, line: 1, column: 1), "no such file or folder")
                ])
        }
        if !isDirectory.boolValue {
            do {
                return ProjectionSet(projections: [try load(file: path)], errors: [])
            } catch {
                return ProjectionSet(projections: [], errors: error.errors)
            }
        }
        return loadDirectory(path)
    }

    /// The `*.yaml` / `*.yml` files directly in `path`, sorted.
    static func definitionFiles(in path: String) throws(ProjectionDefinitionErrors) -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw ProjectionDefinitionErrors([
                ProjectionDefinitionError(
                    .unreadableFile, at: SourceLocation(file: path, line: 1, column: 1), "cannot list the folder")
            ])
        }
        let base = path.hasSuffix("/") ? String(path.dropLast()) : path
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { "\(base)/\($0)" }.filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }

    /// The UTF-8 text of a file.
    static func readText(_ path: String) throws(ProjectionDefinitionErrors) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ProjectionDefinitionErrors([
                ProjectionDefinitionError(
                    .unreadableFile, at: SourceLocation(file: path, line: 1, column: 1), "cannot read the file")
            ])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ProjectionDefinitionErrors([
                ProjectionDefinitionError(
                    .unreadableFile, at: SourceLocation(file: path, line: 1, column: 1), "the file is not UTF-8 text")
            ])
        }
        return text
    }
}

/// The projections of a folder and the errors found while loading it.
public struct ProjectionSet: Sendable {
    /// Definitions that loaded without error, in file name order.
    public var projections: [Projection]
    /// Every problem found, as `file:line:col: message`.
    public var errors: [ProjectionDefinitionError]

    /// Creates a set.
    public init(projections: [Projection], errors: [ProjectionDefinitionError]) {
        self.projections = projections
        self.errors = errors
    }

    /// The projection called `name`.
    public subscript(name: String) -> Projection? {
        projections.first { $0.name == name }
    }
}
