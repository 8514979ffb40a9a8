import Logging
import NIOHTTP1
public import ProjectorCore

/// Index and alias management on one cluster: the building blocks of `rebuild` (create a versioned physical
/// index, load it with relaxed settings, swap the reader alias in one `_aliases` call, delete old indices) and
/// of `verify` (count, iterate over all documents).
///
/// Every method is one or two requests with the client's retry policy; none keeps state.
public struct OpenSearchAdmin: Sendable {
    /// The reserved metadata field's mapping, added to every index this type creates: stored in `_source`, not
    /// indexed, so its per-stream keys never add fields to the mapping.
    public static let metadataFieldMapping: JSONValue = ["type": "object", "enabled": false]
    /// The reserved metadata field (see DESIGN.md §5).
    public static let metadataField = "_projector"

    /// The connection used.
    public let client: OpenSearchClient

    /// Creates an admin over `client`. Starts no work.
    public init(client: OpenSearchClient) {
        self.client = client
    }

    /// True when an index or alias of that name exists.
    public func exists(_ name: String) async throws -> Bool {
        try IndexName.validate(name, what: "index")
        let response = try await self.client.send(
            OpenSearchRequest(method: .HEAD, path: PathEncoding.path(name), operation: "index exists", index: name))
        switch response.status {
        case 200: return true
        case 404: return false
        default: throw self.failure(response, operation: "index exists", index: name)
        }
    }

    /// Creates index `name` with the projection's `settings` and `mappings` (JSON objects as in
    /// `PUT /<index>`). The mapping of the reserved `_projector` field is added (see ``metadataFieldMapping``).
    ///
    /// - Throws: ``OpenSearchError`` `requestFailed` when the index exists or the definition is refused.
    public func createIndex(_ name: String, settings: JSONValue? = nil, mappings: JSONValue? = nil) async throws {
        try IndexName.validate(name, what: "index")
        var mappingObject = mappings?.objectValue ?? JSONObject()
        var properties = mappingObject["properties"]?.objectValue ?? JSONObject()
        if properties[Self.metadataField] == nil {
            properties[Self.metadataField] = Self.metadataFieldMapping
        }
        mappingObject["properties"] = .object(properties)
        var definition = JSONObject()
        if let settings, settings != .null { definition["settings"] = settings }
        definition["mappings"] = .object(mappingObject)
        try await self.expectSuccess(
            OpenSearchRequest(
                method: .PUT, path: PathEncoding.path(name),
                body: Array(JSONValue.object(definition).serialized().utf8),
                operation: "create index", index: name))
        self.client.logger.info("OpenSearch index created", metadata: [OpenSearchLogKey.index: "\(name)"])
    }

    /// Deletes the indices (missing ones are ignored). Refuses names with wildcards.
    public func deleteIndices(_ names: [String]) async throws {
        guard !names.isEmpty else { return }
        for name in names { try IndexName.validate(name, what: "index") }
        let list = names.joined(separator: ",")
        try await self.expectSuccess(
            OpenSearchRequest(
                method: .DELETE, path: PathEncoding.path(list), query: [("ignore_unavailable", "true")],
                operation: "delete index", index: list))
        self.client.logger.info("OpenSearch indices deleted", metadata: [OpenSearchLogKey.index: "\(list)"])
    }

    /// The indices `alias` points to; empty when the alias does not exist.
    public func aliasTargets(_ alias: String) async throws -> [String] {
        try IndexName.validate(alias, what: "alias")
        let request = OpenSearchRequest(
            method: .GET, path: PathEncoding.path("_alias", alias), operation: "get alias", index: alias)
        let response = try await self.client.send(request)
        switch response.status {
        case 200: return (try response.json(for: request).objectValue?.keys ?? []).sorted()
        case 404: return []
        default: throw self.failure(response, operation: "get alias", index: alias)
        }
    }

    /// Points `alias` at `index` alone, in ONE `_aliases` call (remove from every current target, add to `index`),
    /// so readers never see the alias empty or on two indices. Returns the previous targets.
    ///
    /// When the alias does not exist yet this creates it. If the alias changes between reading its targets and
    /// the swap, OpenSearch refuses the whole call and nothing changes.
    @discardableResult
    public func swapAlias(_ alias: String, to index: String) async throws -> [String] {
        try IndexName.validate(index, what: "index")
        let previous = try await self.aliasTargets(alias)
        var actions: [JSONValue] = previous.filter { $0 != index }.map {
            ["remove": ["index": .string($0), "alias": .string(alias)]]
        }
        actions.append(["add": ["index": .string(index), "alias": .string(alias)]])
        let body: JSONValue = ["actions": .array(actions)]
        try await self.expectSuccess(
            OpenSearchRequest(
                method: .POST, path: "/_aliases", body: Array(body.serialized().utf8), operation: "swap alias",
                index: alias))
        self.client.logger.info(
            "OpenSearch alias swapped",
            metadata: [OpenSearchLogKey.index: "\(alias)", "projector.opensearch.target": "\(index)"])
        return previous
    }

    /// The physical indices of `alias` (named `<alias>__v<version>_<build id>`), oldest first.
    public func physicalIndices(of alias: String) async throws -> [IndexName] {
        try IndexName.validate(alias, what: "alias")
        let pattern = "\(alias)__v*"
        let request = OpenSearchRequest(
            method: .GET, path: PathEncoding.path(pattern, "_alias"), query: [("allow_no_indices", "true")],
            operation: "list indices", index: pattern)
        let response = try await self.client.send(request)
        switch response.status {
        case 200:
            let names = try response.json(for: request).objectValue?.keys ?? []
            return names.compactMap(IndexName.init(parsing:)).filter { $0.alias == alias }.sorted()
        case 404: return []
        default: throw self.failure(response, operation: "list indices", index: pattern)
        }
    }

    /// Deletes the physical indices of `alias` except the newest `keep` and except those the alias points to.
    /// Returns the names deleted.
    @discardableResult
    public func deleteOldIndices(of alias: String, keep: Int) async throws -> [String] {
        let targets = Set(try await self.aliasTargets(alias))
        let all = try await self.physicalIndices(of: alias)
        let kept = Set(all.suffix(max(0, keep)).map(\.description))
        let doomed = all.map(\.description).filter { !kept.contains($0) && !targets.contains($0) }
        try await self.deleteIndices(doomed)
        return doomed
    }

    func expectSuccess(_ request: OpenSearchRequest) async throws {
        let response = try await self.client.send(request)
        guard (200..<300).contains(response.status) else {
            throw self.failure(response, operation: request.operation, index: request.index)
        }
    }

    func failure(_ response: OpenSearchResponse, operation: String, index: String?) -> OpenSearchError {
        OpenSearchError(
            code: response.status == 404 ? .indexNotFound : .requestFailed, operation: operation, index: index,
            status: response.status, message: response.errorSummary())
    }
}
