/// How string values inside event data are encoded.
public enum EventEncoding: String, Sendable, Hashable, CaseIterable {
    /// Values are used as stored.
    case plain
    /// edd-core's tagging: keywords as `":x"`, UUIDs as `"#uuid"`; one leading `:` or `#`
    /// is stripped (`"::x"` → `":x"`, `"##x"` → `"#x"`).
    case edd
}
