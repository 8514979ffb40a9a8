internal import Foundation
internal import ProjectorCore
internal import ProjectorRuntime

/// What the operations commands (`rebuild`, `preview`, `verify`, `pause`, `resume`, `dlq`, `reset`) share:
/// finding the named projection and running against the database and view stores with their exit codes.
enum OperationsCommandLine {
    /// The projection `name` from the configured folder; exit 2 when unknown or a definition is broken.
    static func projection(_ name: String, _ configuration: ProjectorConfiguration) throws -> Projection {
        let projections = try ServiceCommandSupport.projections(configuration, names: [])
        do {
            return try OperationsSession.projection(named: name, in: projections)
        } catch {
            throw CommandFailure.usage("NAME: \(error.message) in \(configuration.projectionsPath)")
        }
    }

    /// Runs `body` with the database and view stores; any error ends the command with
    /// `projector <command>: <error>` and status 1, or 2 when the configuration is at fault
    /// (``CommandFailure/failed(_:_:)``).
    static func withSession<Result: Sendable>(
        _ command: String,
        _ configuration: ProjectorConfiguration,
        _ body: (OperationsSession) async throws -> Result
    ) async throws -> Result {
        do {
            return try await OperationsSession.with(
                configuration: configuration, environment: ProcessInfo.processInfo.environment,
                logger: ServiceCommandSupport.logger(), body)
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure.failed(command, ViewStores.namingUnreachableStore(error, configuration: configuration))
        }
    }

    /// Loads the configuration, finds projection `name` in it and runs `body` with the projection and a session;
    /// failures end the command as in ``withSession(_:_:_:)``.
    static func withProjection<Result: Sendable>(
        _ command: String,
        _ name: String,
        _ global: GlobalOptions,
        _ body: (Projection, OperationsSession) async throws -> Result
    ) async throws -> Result {
        let configuration = try global.loadConfiguration()
        let projection = try projection(name, configuration)
        return try await withSession(command, configuration) { session in try await body(projection, session) }
    }

    /// `host:pid`, naming this process in checkpoint rows.
    static var owner: String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// True when standard error is a terminal (progress bars instead of log lines).
    static var standardErrorIsTerminal: Bool { isatty(FileHandle.standardError.fileDescriptor) != 0 }
}
