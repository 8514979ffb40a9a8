public import ArgumentParser
internal import Foundation
internal import Logging
internal import ProjectorCore
internal import ProjectorRuntime

/// `projector run`: the long-running service keeping every view in step with the log.
public struct RunCommand: AsyncParsableCommand {
    /// Name, abstract and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Keep the views of every projection (or the named ones) in step with the event table.",
        discussion: """
            Each projection is owned by one instance at a time (a PostgreSQL advisory lock); start more instances \
            to spread projections and take over when one dies. SIGTERM/SIGINT finish the batch in flight, write \
            the checkpoint and exit 0. Serves /metrics, /health/live and /health/ready on --http-port.
            """
    )

    @Option(name: .customLong("projection"), help: "Run only this projection (repeatable).")
    var projections: [String] = []

    @Flag(help: "Stop when every selected projection has caught up with the newest event at start.")
    var once = false

    @Option(help: "Port of the metrics and health endpoints (default: http.port, 9464; 0 picks a free port).")
    var httpPort: Int?

    @OptionGroup var global: GlobalOptions

    /// Creates the command with default options; ArgumentParser fills them from the command line.
    public init() {}

    /// Rejects an `--http-port` outside 0...65535.
    public func validate() throws {
        if let httpPort, !(0...65535).contains(httpPort) {
            throw ValidationError("--http-port must be between 0 and 65535, got \(httpPort)")
        }
    }

    /// Runs the selected projections as one service until SIGTERM/SIGINT (or, with `--once`, until caught up).
    public func run() async throws {
        try await ServiceCommandSupport.reportingFailures {
            let configuration = try global.loadConfiguration()
            let selected = try ServiceCommandSupport.projections(configuration, names: projections)
            guard !selected.isEmpty else {
                throw CommandFailure.usage("no projections in \(configuration.projectionsPath)")
            }
            let logger = ServiceCommandSupport.logger()
            var options = ProjectorService.Options(owner: Self.instanceName())
            options.once = once
            options.httpPort = httpPort ?? configuration.http.port
            options.onHTTPStart = { port in
                logger.info("serving metrics and health", metadata: ["projector.http_port": "\(port)"])
            }
            logger.info(
                "starting",
                metadata: [
                    "projector.projections": "\(selected.map(\.name).joined(separator: ","))",
                    "projector.owner": "\(options.owner)",
                ])
            do {
                try await ProjectorService.run(
                    configuration: configuration, projections: selected, options: options,
                    environment: ProcessInfo.processInfo.environment, logger: logger)
            } catch {
                throw CommandFailure.failed("run", error)
            }
            logger.info("stopped")
        }
    }

    /// `host:pid`, unique enough to tell instances apart in `status`.
    static func instanceName() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }
}
