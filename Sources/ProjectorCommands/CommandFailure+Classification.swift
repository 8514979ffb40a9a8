internal import ProjectorDynamoDB
internal import ProjectorOpenSearch
internal import ProjectorPostgres
internal import ProjectorRuntime

extension CommandFailure {
    /// `command` failed with `error`: exit status 2 when the configuration is what is wrong (DESIGN.md §7: usage and
    /// configuration errors), 1 for everything else (a server that cannot be reached, a refused operation, …).
    static func failed(_ command: String, _ error: any Error) -> CommandFailure {
        CommandFailure(
            exitCode: isConfigurationError(error) ? 2 : 1, message: "projector \(command): \(error)")
    }

    static func isConfigurationError(_ error: any Error) -> Bool {
        switch error {
        case let error as ProjectorPostgresError: error.code == .missingDatabaseURL
        case let error as RuntimeError:
            error.code == .badConfiguration || error.code == .unknownProjection || error.code == .badInput
        case let error as DynamoDBError: error.code == .invalidConfiguration
        case let error as OpenSearchError: error.code == .invalidConfiguration
        default: false
        }
    }
}
