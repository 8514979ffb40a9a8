import ProjectorCore
import Synchronization

/// A store wrapper for replaying into an empty target: `fetch` asks the store only for keys this process has
/// sent writes for, since nothing else can be there. Keys are remembered by hash (8 bytes each) before they are
/// sent, so a write whose outcome is unknown (a timeout, a cancelled background write) still counts; a collision
/// only costs an unneeded fetch.
final class FreshTargetStore: ViewStore {
    let base: any ViewStore
    private let written = Mutex<Set<Int>>([])

    init(base: any ViewStore) {
        self.base = base
    }

    func fetch(_ keys: [String]) async throws -> [String: StoredDocument] {
        let known = written.withLock { written in keys.filter { written.contains($0.hashValue) } }
        guard !known.isEmpty else { return [:] }
        return try await base.fetch(known)
    }

    func apply(_ writes: [DocumentWrite]) async throws -> [WriteOutcome] {
        written.withLock { written in
            for write in writes { written.insert(write.key.hashValue) }
        }
        return try await base.apply(writes)
    }
}

/// A store wrapper for an in-place rebuild: documents written by an older projection version are handed to the
/// engine without their `_projector` metadata, so they are folded from scratch and overwritten (the conditional
/// write still expects their stored revision). Documents already at `version` keep their metadata, which makes
/// the rebuild resumable.
struct InPlaceStore: ViewStore {
    let base: any ViewStore
    let version: Int

    func fetch(_ keys: [String]) async throws -> [String: StoredDocument] {
        var documents = try await base.fetch(keys)
        for (key, document) in documents {
            guard case .object(var body) = document.body, let stamp = body[Projection.metadataField],
                DocumentMetadata(json: stamp).projectionVersion < version
            else { continue }
            body[Projection.metadataField] = nil
            documents[key] = StoredDocument(key: key, body: .object(body), revision: document.revision)
        }
        return documents
    }

    func apply(_ writes: [DocumentWrite]) async throws -> [WriteOutcome] {
        try await base.apply(writes)
    }
}
