public import ArgumentParser
internal import ProjectorCore

/// Options every command shares: `--config <file>`.
///
/// Use as `@OptionGroup var global: GlobalOptions` and call ``loadConfiguration()``.
public struct GlobalOptions: ParsableArguments {
    /// `--config FILE`; `nil` reads `./projector.yaml` when it exists.
    @Option(help: "Configuration file (default ./projector.yaml; optional: every key has a default or an env var).")
    public var config: String?

    /// Creates the options without a file; ArgumentParser fills them from the command line.
    public init() {}

    /// The configuration from the file (when present) and the environment; a bad file or value
    /// throws a `CommandFailure` with the one-line message and exit code 2.
    func loadConfiguration() throws -> ProjectorConfiguration {
        try ServiceCommandSupport.configuration(config)
    }
}
