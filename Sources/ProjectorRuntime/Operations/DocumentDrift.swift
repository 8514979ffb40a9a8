public import ProjectorCore

/// One document whose stored state differs from what the log computes.
public struct DocumentDrift: Sendable, Hashable {
    /// How the stored document differs.
    public enum Kind: String, Sendable, Hashable {
        /// Both exist and differ.
        case changed
        /// The log produces the document; the store lacks it.
        case missing
        /// The store holds a document the log does not produce (or has deleted).
        case unexpected
    }

    /// The document key.
    public var key: String
    /// How it differs.
    public var kind: Kind
    /// Where it differs (expected = computed from the log, actual = stored, both without `_projector`).
    public var differences: [JSONDifference]

    /// Creates a drift record.
    public init(key: String, kind: Kind, differences: [JSONDifference]) {
        self.key = key
        self.kind = kind
        self.differences = differences
    }

    /// The record as JSON: `{"key", "kind", "differences": [{"path", "expected", "actual"}]}` (absent sides omitted).
    public var jsonValue: JSONValue {
        var object: JSONObject = ["key": .string(key), "kind": .string(kind.rawValue)]
        object["differences"] = .array(
            differences.map { difference in
                var entry: JSONObject = ["path": .string(difference.path)]
                if let expected = difference.expected { entry["expected"] = expected }
                if let actual = difference.actual { entry["actual"] = actual }
                return .object(entry)
            })
        return .object(object)
    }
}

/// What a verify run found.
public struct VerifyReport: Sendable, Hashable {
    /// Documents compared (stored ones plus those only the log produces).
    public var checked = 0
    /// Drifted documents.
    public var drifted = 0
    /// Events the definition failed on while recomputing (left out, as under `on_error: dead_letter`).
    public var failures = 0
    /// Passes over the log (one per key bucket).
    public var passes = 0

    /// Creates an empty report.
    public init() {}

    /// True when nothing drifted.
    public var isClean: Bool { drifted == 0 }
}
