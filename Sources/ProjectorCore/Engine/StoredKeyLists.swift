/// The member names of stored documents, shared between the documents of a batch.
///
/// The documents of one projection almost always have the same members in the same order, so one key list with
/// `_projector` last (as written) and one without it (as folded) serve them all: decoding and encoding a
/// document then adopt a shared list instead of building one per document, and the lists stay hot in cache.
/// A document with other members just gets lists of its own (and becomes the new shared pair).
struct StoredKeyLists {
    /// Keys as folded (no `_projector`).
    private var bodyKeys: [String] = []
    /// `bodyKeys` followed by `_projector`; empty until the first list is seen (so creating one allocates
    /// nothing).
    private var storedKeys: [String] = []

    /// `keys` (a body's) followed by `_projector`; `nil` when `keys` already hold it.
    @inline(__always)
    mutating func appendingMetadataField(to keys: [String]) -> [String]? {
        // Equal to the shared list (the same buffer, usually): known to be without `_projector`.
        if !storedKeys.isEmpty, keys == bodyKeys { return storedKeys }
        guard !keys.contains(Projection.metadataField) else { return nil }
        var stored: [String] = []
        stored.reserveCapacity(keys.count + 1)
        stored.append(contentsOf: keys)
        stored.append(Projection.metadataField)
        bodyKeys = keys
        storedKeys = stored
        return stored
    }

    /// `keys` (a stored document's distinct keys, `_projector` last) without their last key.
    @inline(__always)
    mutating func droppingMetadataField(from keys: [String]) -> [String] {
        // `keys` is never empty, so an unset `storedKeys` never matches.
        if keys == storedKeys { return bodyKeys }
        let body = Array(keys.dropLast())
        bodyKeys = body
        storedKeys = keys
        return body
    }
}
