import PostgresNIO

extension ProjectorPostgresError {
    /// Maps any error from PostgresNIO to a one-line ``ProjectorPostgresError``; `doing` names
    /// the operation (`reading events from "realm"."event_store"`).
    static func wrapping(_ error: any Error, doing: String, projection: String? = nil) -> ProjectorPostgresError {
        if let error = error as? ProjectorPostgresError { return error }
        if let error = error as? PostgresTransactionError {
            let inner = error.closureError ?? error.commitError ?? error.beginError ?? error.rollbackError
            if let inner { return wrapping(inner, doing: doing, projection: projection) }
        }
        guard let error = error as? PSQLError else {
            return ProjectorPostgresError(.queryFailed, "\(doing) failed: \(error)", projection: projection)
        }
        guard error.code == .server else {
            return ProjectorPostgresError(
                .connectionFailed, "\(doing) failed: \(ProjectorDatabase.connectionFailureReason(error))",
                projection: projection)
        }
        let state = error.serverInfo?[.sqlState] ?? "?????"
        let message = error.serverInfo?[.message] ?? "server error"
        switch state {
        case "25006":
            return ProjectorPostgresError(
                .readOnlyDatabase,
                "\(doing) failed: the database is read-only (a replica?); point postgres.url at the primary",
                projection: projection, sqlState: state)
        case "42P01", "42703", "3F000", "42883":
            return ProjectorPostgresError(
                .notMigrated, "\(doing) failed: \(message); run `projector migrate`",
                projection: projection, sqlState: state)
        default:
            let code: Code = isTransient(sqlState: state) ? .connectionFailed : .queryFailed
            return ProjectorPostgresError(code, "\(doing) failed: \(message)", projection: projection, sqlState: state)
        }
    }

    /// True for errors worth retrying after a reconnect: broken connections, server
    /// shutdown or startup, too many connections, serialization failures.
    static func isTransient(_ error: any Error) -> Bool {
        if let error = error as? ProjectorPostgresError {
            return error.code == .connectionFailed
        }
        guard let error = error as? PSQLError else { return false }
        guard error.code == .server else {
            return error.code != .tooManyParameters && error.code != .queryCancelled
        }
        return isTransient(sqlState: error.serverInfo?[.sqlState] ?? "")
    }

    private static func isTransient(sqlState: String) -> Bool {
        sqlState.hasPrefix("08") || sqlState.hasPrefix("53") || sqlState.hasPrefix("57P")
            || sqlState == "40001" || sqlState == "40P01"
    }
}
