public import ProjectorCore

/// The `runtime:` section of the configuration, as far as the runtime interprets it:
///
/// ```yaml
/// runtime:
///   rebuild: manual   # or auto: `projector run` rebuilds a projection whose `version:` changed
/// ```
public struct RuntimeSettings: Sendable, Hashable {
    /// What `projector run` does when a definition's `version` differs from the view's.
    public enum RebuildPolicy: String, Sendable, Hashable, CaseIterable {
        /// Refuse to run the projection; the operator runs `projector rebuild NAME` (default).
        case manual
        /// Rebuild into a new index/table in the background, then switch over and go on.
        case auto
    }

    /// `runtime.rebuild`. Default ``RebuildPolicy/manual``.
    public var rebuild: RebuildPolicy

    /// Settings with the defaults.
    public init(rebuild: RebuildPolicy = .manual) {
        self.rebuild = rebuild
    }

    /// Reads the `runtime` section (`nil`: absent, all defaults).
    /// - Throws: ``RuntimeError`` `badInput` naming the key for an unknown key or a bad value.
    public init(_ json: JSONValue?) throws(RuntimeError) {
        self.init()
        guard let json, json != .null else { return }
        guard case .object(let object) = json else {
            throw RuntimeError(.badInput, "runtime: expected a mapping")
        }
        for (key, value) in object {
            switch key {
            case "rebuild":
                guard let text = value.stringValue, let policy = RebuildPolicy(rawValue: text) else {
                    throw RuntimeError(.badInput, "runtime.rebuild: expected auto or manual, got \(value.serialized())")
                }
                rebuild = policy
            default:
                throw RuntimeError(.badInput, "runtime.\(key): unknown key (known: rebuild)")
            }
        }
    }
}
