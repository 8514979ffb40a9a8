public import ProjectorCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The test servers the scripts start, found through the environment.
///
/// Integration tests call ``require(_:)``: with `PROJECTOR_REQUIRE_SERVERS=1` (CI) a missing
/// variable throws (the test fails); otherwise it returns `nil` and the test returns early.
public enum TestServers {
    /// Thrown when CI requires a server that is not configured.
    public struct MissingServer: Error, CustomStringConvertible {
        /// The environment variable that is missing, e.g. `DATABASE_URL`.
        public var variable: String
        /// One line naming the variable and how to start the servers.
        public var description: String {
            "\(variable) is not set but PROJECTOR_REQUIRE_SERVERS=1; start the servers with scripts/servers start DIR"
        }
    }

    /// The value of an environment variable, `nil` when unset or empty.
    public static func environment(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        let value = String(cString: raw)
        return value.isEmpty ? nil : value
    }

    /// True when `PROJECTOR_REQUIRE_SERVERS=1`.
    public static var serversRequired: Bool { environment("PROJECTOR_REQUIRE_SERVERS") == "1" }

    /// The variable's value; `nil` (skip) when unset and not required; throws when required.
    public static func require(_ variable: String) throws -> String? {
        if let value = environment(variable) { return value }
        if serversRequired { throw MissingServer(variable: variable) }
        return nil
    }

    /// `DATABASE_URL`, parsed; `nil` to skip (see ``require(_:)``).
    public static func databaseURL() throws -> DatabaseURL? {
        guard let text = try require("DATABASE_URL") else { return nil }
        return try DatabaseURL(parsing: text)
    }

    /// `OPENSEARCH_URL`; `nil` to skip.
    public static func openSearchURL() throws -> String? { try require("OPENSEARCH_URL") }

    /// `DYNAMODB_ENDPOINT`; `nil` to skip.
    public static func dynamoDBEndpoint() throws -> String? { try require("DYNAMODB_ENDPOINT") }

    /// A random lowercase suffix for per-test names (`a1b2c3d4`).
    public static func uniqueSuffix() -> String {
        let value = UInt32.random(in: 0...UInt32.max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}
