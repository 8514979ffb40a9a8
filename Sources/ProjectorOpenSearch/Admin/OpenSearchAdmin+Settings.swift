import NIOHTTP1
public import ProjectorCore

extension OpenSearchAdmin {
    /// The settings a bulk load changes, as they were before, to restore afterwards.
    public struct LoadSettings: Sendable, Hashable {
        /// `index.refresh_interval` before the load (`.null`: not set, the cluster default applies).
        public var refreshInterval: JSONValue
        /// `index.number_of_replicas` before the load (`.null`: not set).
        public var numberOfReplicas: JSONValue

        /// Creates a value.
        public init(refreshInterval: JSONValue, numberOfReplicas: JSONValue) {
            self.refreshInterval = refreshInterval
            self.numberOfReplicas = numberOfReplicas
        }
    }

    /// Prepares `index` for a fast bulk load: no periodic refresh (`refresh_interval: -1`) and no replicas.
    /// Returns the previous values for ``endBulkLoad(_:restoring:)``.
    public func beginBulkLoad(_ index: String) async throws -> LoadSettings {
        let previous = try await self.loadSettings(index)
        try await self.updateSettings(index, ["refresh_interval": "-1", "number_of_replicas": 0])
        return previous
    }

    /// Restores the settings saved by ``beginBulkLoad(_:)`` and refreshes, so every loaded document is searchable.
    public func endBulkLoad(_ index: String, restoring settings: LoadSettings) async throws {
        try await self.updateSettings(
            index, ["refresh_interval": settings.refreshInterval, "number_of_replicas": settings.numberOfReplicas])
        try await self.refresh(index)
    }

    /// The current `refresh_interval` and `number_of_replicas` of `index`.
    public func loadSettings(_ index: String) async throws -> LoadSettings {
        try IndexName.validate(index, what: "index")
        let request = OpenSearchRequest(
            method: .GET, path: PathEncoding.path(index, "_settings"), operation: "get settings", index: index)
        let response = try await self.client.send(request)
        guard response.status == 200 else { throw self.failure(response, operation: "get settings", index: index) }
        let settings = try response.json(for: request).objectValue?.values.first?["settings"]?["index"]
        return LoadSettings(
            refreshInterval: settings?["refresh_interval"] ?? .null,
            numberOfReplicas: settings?["number_of_replicas"] ?? .null)
    }

    /// Updates dynamic index settings (`PUT /<index>/_settings` with `{"index": settings}`); `.null` resets a
    /// setting to its default.
    public func updateSettings(_ index: String, _ settings: JSONObject) async throws {
        try IndexName.validate(index, what: "index")
        let body: JSONValue = ["index": .object(settings)]
        try await self.expectSuccess(
            OpenSearchRequest(
                method: .PUT, path: PathEncoding.path(index, "_settings"), body: Array(body.serialized().utf8),
                operation: "update settings", index: index))
    }

    /// Makes every write so far visible to search.
    public func refresh(_ index: String) async throws {
        try IndexName.validate(index, what: "index")
        try await self.expectSuccess(
            OpenSearchRequest(
                method: .POST, path: PathEncoding.path(index, "_refresh"), operation: "refresh", index: index))
    }

    /// The number of documents visible to search in `index` (refresh first for an exact figure).
    public func count(_ index: String) async throws -> Int {
        try IndexName.validate(index, what: "index")
        let request = OpenSearchRequest(
            method: .GET, path: PathEncoding.path(index, "_count"), operation: "count", index: index)
        let response = try await self.client.send(request)
        guard response.status == 200 else { throw self.failure(response, operation: "count", index: index) }
        guard case .int(let count)? = try response.json(for: request)["count"] else {
            throw OpenSearchError(code: .invalidResponse, operation: "count", index: index, message: "no count")
        }
        return count
    }
}
