/// Parses configuration durations: `250ms`, `1s`, `1.5s`, `2m`, `1h`.
public enum ConfigurationDuration {
    /// The duration `text` denotes, or `nil` when it is malformed or negative.
    public static func parse(_ text: String) -> Duration? {
        let units: [(suffix: String, milliseconds: Double)] = [
            ("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000),
        ]
        for unit in units where text.hasSuffix(unit.suffix) {
            let number = text.dropLast(unit.suffix.count)
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                let value = Double(number), value.isFinite, value >= 0
            else { return nil }
            return .milliseconds(Int64((value * unit.milliseconds).rounded()))
        }
        return nil
    }

    /// `1s`, `250ms`, … as text (for messages and `--help`).
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1_000 + attoseconds / 1_000_000_000_000_000
        if milliseconds % 1_000 == 0 { return "\(milliseconds / 1_000)s" }
        return "\(milliseconds)ms"
    }
}
