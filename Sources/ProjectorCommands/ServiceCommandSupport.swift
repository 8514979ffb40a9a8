internal import ArgumentParser
internal import Foundation
internal import Logging
internal import ProjectorCore

/// Loading what the service commands (`run`, `status`) need: the configuration and the
/// projection definitions, with the one-line errors and exit code 2 of DESIGN.md §7.
enum ServiceCommandSupport {
    /// The configuration from `--config` (default `./projector.yaml`, optional) and the environment.
    static func configuration(_ path: String?) throws -> ProjectorConfiguration {
        let file = path ?? "projector.yaml"
        let environment = ProcessInfo.processInfo.environment
        guard FileManager.default.fileExists(atPath: file) else {
            if path != nil { throw CommandFailure.usage("\(file): configuration file not found") }
            return try wrap { () throws(ConfigurationError) in
                try ProjectorConfiguration(yaml: "", file: file, environment: environment)
            }
        }
        let text = try CommandSupport.configurationText(file)
        return try wrap { () throws(ConfigurationError) in
            try ProjectorConfiguration(yaml: text, file: file, environment: environment)
        }
    }

    private static func wrap(_ body: () throws(ConfigurationError) -> ProjectorConfiguration) throws
        -> ProjectorConfiguration
    {
        do { return try body() } catch { throw CommandFailure.usage(error.description) }
    }

    /// The projections of the configured folder, narrowed to `names` when given. Definition errors
    /// are printed as `file:line:col: message` and end the command with status 2: nothing starts.
    static func projections(_ configuration: ProjectorConfiguration, names: [String]) throws -> [Projection] {
        let set = ProjectionLoader.load(path: configuration.projectionsPath)
        guard set.errors.isEmpty else {
            for error in set.errors { CommandSupport.printError(error.description) }
            throw CommandFailure.usage(
                "\(set.errors.count) error(s) in \(configuration.projectionsPath); nothing started")
        }
        guard !names.isEmpty else { return set.projections }
        let known = Dictionary(set.projections.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var seen: Set<String> = []
        let unique = names.filter { seen.insert($0).inserted }  // `--projection a --projection a` runs `a` once
        return try unique.map { name in
            guard let projection = known[name] else {
                throw CommandFailure.usage(
                    "--projection \(name): no such projection in \(configuration.projectionsPath) "
                        + "(known: \(known.keys.sorted().joined(separator: ", ")))")
            }
            return projection
        }
    }

    /// A logger on standard error at `LOG_LEVEL` (default info).
    static func logger(label: String = "projector") -> Logger {
        var logger = Logger(label: label)
        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) }
        logger.logLevel = level ?? .info
        return logger
    }

    /// Runs `body`, turning a ``CommandFailure`` into its message on standard error and exit code.
    static func reportingFailures(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let failure as CommandFailure {
            CommandSupport.printError(failure.message)
            throw ExitCode(failure.exitCode)
        }
    }
}
