public import Foundation
import ProjectorCore

/// Physical index names behind a reader alias: `<alias>__v<version>_<build id>`, e.g.
/// `account_balance__v3_20260127t101500z_a3f9`.
///
/// The build id is the UTC start time of the build (`yyyyMMdd't'HHmmss'z'`) and four random hex digits, so names
/// of one alias and version sort by creation time and two builds in the same second do not collide.
public struct IndexName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The alias readers use.
    public var alias: String
    /// The projection version the index was built for.
    public var version: Int
    /// Identifies one build of that version.
    public var buildID: String

    /// Creates a name from its parts.
    public init(alias: String, version: Int, buildID: String) {
        self.alias = alias
        self.version = version
        self.buildID = buildID
    }

    /// A new name for a build of `alias` at `version` started at `date`.
    public static func make(
        alias: String, version: Int, date: Date = Date(), random: inout some RandomNumberGenerator
    ) -> IndexName {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (year, month, day) = Self.civilDate(daysSinceEpoch: days.quotient)
        let time = days.remainder
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let stamp = "\(year)\(two(month))\(two(day))t\(two(time / 3600))\(two(time / 60 % 60))\(two(time % 60))z"
        let suffix = String(UInt16.random(in: 0...UInt16.max, using: &random), radix: 16)
        return IndexName(
            alias: alias, version: version,
            buildID: stamp + "_" + String(repeating: "0", count: 4 - suffix.count) + suffix)
    }

    /// A new name for a build of `alias` at `version` started now.
    public static func make(alias: String, version: Int) -> IndexName {
        var random = SystemRandomNumberGenerator()
        return Self.make(alias: alias, version: version, random: &random)
    }

    /// Parses `<alias>__v<version>_<build id>`; `nil` for any other name.
    public init?(parsing name: String) {
        guard let separator = name.range(of: "__v", options: .backwards) else { return nil }
        let rest = name[separator.upperBound...]
        guard let underscore = rest.firstIndex(of: "_"), let version = Int(rest[..<underscore]), version >= 0
        else { return nil }
        let buildID = rest[rest.index(after: underscore)...]
        guard !buildID.isEmpty, separator.lowerBound > name.startIndex else { return nil }
        self.init(alias: String(name[..<separator.lowerBound]), version: version, buildID: String(buildID))
    }

    /// The physical index name.
    public var description: String { "\(self.alias)__v\(self.version)_\(self.buildID)" }

    /// Older first: by version, then build id (which starts with the build time).
    public static func < (lhs: IndexName, rhs: IndexName) -> Bool {
        (lhs.alias, lhs.version, lhs.buildID) < (rhs.alias, rhs.version, rhs.buildID)
    }

    /// Checks OpenSearch's rules for index and alias names: 1–255 bytes, lower case, none of
    /// `\ / * ? " < > | , # :` or spaces, not starting with `-`, `_` or `+`, not `.` or `..`.
    static func validate(_ name: String, what: String) throws(OpenSearchError) {
        let forbidden = Set(#"\/*?"<>|,#: "#.utf8)
        let problem: String? =
            if name.isEmpty || name.utf8.count > 255 {
                "must be 1 to 255 bytes long"
            } else if name == "." || name == ".." {
                "must not be . or .."
            } else if let first = name.utf8.first,
                [UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "+")].contains(first)
            {
                "must not start with -, _ or +"
            } else if name.utf8.contains(where: { forbidden.contains($0) || $0 < 0x20 }) {
                #"must not contain spaces, control characters or any of \ / * ? " < > | , # :"#
            } else if name != name.lowercased() { "must be lower case" } else { nil }
        if let problem {
            throw OpenSearchError(
                code: .invalidConfiguration, operation: "configure",
                message: "\(what) name [\(name.oneLine(limit: 80))] \(problem)")
        }
    }

    /// Year, month, day of a day count since 1970-01-01 (proleptic Gregorian; Howard Hinnant's algorithm).
    static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
