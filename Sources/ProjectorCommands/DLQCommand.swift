public import ArgumentParser
internal import ProjectorCore
internal import ProjectorPostgres
internal import ProjectorRuntime

/// `projector dlq list|retry|drop NAME`: the dead letters of a projection (events it failed on under
/// `on_error: dead_letter`).
public struct DLQCommand: AsyncParsableCommand {
    /// Name, abstract and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "List, retry or drop the dead letters of a projection.",
        subcommands: [List.self, Retry.self, Drop.self]
    )

    /// Creates the command group; ArgumentParser dispatches to ``List``, ``Retry`` or ``Drop``.
    public init() {}

    /// Which dead letters: `--id ID` (repeatable) or `--all`.
    public struct Selection: ParsableArguments {
        @Option(help: "This dead letter (repeatable).") var id: [Int64] = []
        @Flag(help: "All of the projection's dead letters.") var all = false

        /// Creates an empty selection; ArgumentParser fills it from the command line.
        public init() {}

        /// Requires exactly one of `--id` (at least once) and `--all`.
        public func validate() throws {
            guard all != !id.isEmpty else { throw ValidationError("give either --id ID (repeatable) or --all") }
        }
    }

    /// `dlq list NAME [--json]`.
    public struct List: AsyncParsableCommand {
        /// Name, abstract and help text for ArgumentParser.
        public static let configuration = CommandConfiguration(abstract: "List the dead letters, oldest first.")

        /// `--config FILE`, shared by every command.
        @OptionGroup public var global: GlobalOptions
        @Argument(help: "The projection.") var name: String
        @Flag(help: "One JSON object per dead letter.") var json = false
        @Option(help: "At most this many.") var limit = 1000

        /// Creates the command with default options; ArgumentParser fills them from the command line.
        public init() {}

        /// Prints the projection's dead letters, oldest first, as text lines or JSON objects (`--json`).
        public func run() async throws {
            try await ServiceCommandSupport.reportingFailures {
                let limit = max(1, limit)
                let letters = try await OperationsCommandLine.withProjection("dlq list", name, global) {
                    projection, session in
                    try await session.database.deadLetters.list(projection: projection.name, limit: limit)
                }
                for letter in letters {
                    if json {
                        let object: JSONValue = [
                            "id": .int(Int(letter.id)), "created_at": .string(letter.createdAt),
                            "error": .string(letter.error), "event": letter.event.jsonValue,
                        ]
                        CommandSupport.printLine(object.serialized())
                    } else {
                        let event = letter.event
                        CommandSupport.printLine(
                            "\(letter.id)  \(letter.createdAt)  \(event.type) \(event.service)/\(event.stream)#\(event.seq) "
                                + "at \(event.cursor)  \(letter.error)")
                    }
                }
                if !json { CommandSupport.printLine("\(letters.count) dead letter(s)") }
            }
        }
    }

    /// `dlq retry NAME --id ID | --all`.
    public struct Retry: AsyncParsableCommand {
        /// Name, abstract and help text for ArgumentParser.
        public static let configuration = CommandConfiguration(
            abstract: "Re-run dead-lettered events through the current definition; remove those that succeed.",
            discussion: "Exit status 1 when some still fail (they stay in the queue)."
        )

        /// `--config FILE`, shared by every command.
        @OptionGroup public var global: GlobalOptions
        @Argument(help: "The projection.") var name: String
        @OptionGroup var selection: Selection

        /// Creates the command with default options; ArgumentParser fills them from the command line.
        public init() {}

        /// Retries the selected dead letters against the live view and prints each outcome;
        /// exits 1 when some still fail.
        public func run() async throws {
            try await ServiceCommandSupport.reportingFailures {
                let ids = selection.all ? nil : selection.id
                let outcomes = try await OperationsCommandLine.withProjection("dlq retry", name, global) {
                    projection, session in
                    let target = try await session.liveTarget(projection)
                    return try await DeadLetterRetry(
                        projection: projection, store: try await target.store(),
                        deadLetters: session.database.deadLetters, logger: session.logger
                    ).retry(ids: ids)
                }
                for outcome in outcomes {
                    CommandSupport.printLine(
                        "\(outcome.id): " + (outcome.error.map { "failed: \($0)" } ?? "applied, removed"))
                }
                let failed = outcomes.filter { $0.error != nil }.count
                CommandSupport.printLine("\(outcomes.count - failed) retried, \(failed) still failing")
                if failed > 0 { throw ExitCode(1) }
            }
        }
    }

    /// `dlq drop NAME --id ID | --all`.
    public struct Drop: AsyncParsableCommand {
        /// Name, abstract and help text for ArgumentParser.
        public static let configuration = CommandConfiguration(abstract: "Delete dead letters without retrying them.")

        /// `--config FILE`, shared by every command.
        @OptionGroup public var global: GlobalOptions
        @Argument(help: "The projection.") var name: String
        @OptionGroup var selection: Selection

        /// Creates the command with default options; ArgumentParser fills them from the command line.
        public init() {}

        /// Deletes the selected dead letters and prints how many were dropped.
        public func run() async throws {
            try await ServiceCommandSupport.reportingFailures {
                let ids = selection.id
                let dropAll = selection.all
                let count = try await OperationsCommandLine.withProjection("dlq drop", name, global) {
                    projection, session in
                    let deadLetters = session.database.deadLetters
                    if dropAll { return try await deadLetters.removeAll(projection: projection.name) }
                    // An id that is not one of this projection's dead letters is named, as `dlq retry` does.
                    for id in ids where try await deadLetters.get(id: id)?.projection != projection.name {
                        throw RuntimeError(.notFound, "no dead letter with id \(id)", projection: projection.name)
                    }
                    return try await deadLetters.remove(projection: projection.name, ids: ids)
                }
                CommandSupport.printLine("\(count) dead letter(s) dropped")
            }
        }
    }
}
