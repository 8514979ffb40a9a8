public import ArgumentParser
internal import ProjectorCore
internal import ProjectorPostgres

/// `projector events`: the events as the source delivers them, one JSON object per line.
public struct EventsCommand: AsyncParsableCommand {
    /// Name, abstract and help text for ArgumentParser.
    public static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Print delivered events as JSON lines {id,type,stream,seq,service,position,tx_id,created_at,data}."
    )

    /// `--config FILE`, shared by every command.
    @OptionGroup public var global: GlobalOptions

    @Option(help: "Start after this cursor, TX:POS (default: the beginning).")
    var after: String?

    @Option(help: "Stop after this many events.")
    var limit: Int?

    @Flag(help: "Keep tailing new events until interrupted.")
    var follow = false

    /// Creates the command with default options; ArgumentParser fills them from the command line.
    public init() {}

    /// Prints the events after `--after` in delivery order, one JSON object per line; stops after `--limit`
    /// events, else at the end of the log (with `--follow`, only when interrupted).
    public func run() async throws {
        try await ServiceCommandSupport.reportingFailures {
            if let after, EventCursor(after) == nil {
                throw CommandFailure.usage("--after must be TX:POS, e.g. 1042:77 (got '\(after)')")
            }
            if let limit, limit < 1 { throw CommandFailure.usage("--limit must be at least 1 (got \(limit))") }
            let configuration = try global.loadConfiguration()
            let start = after.flatMap { EventCursor($0) } ?? .start
            do {
                try await ProjectorDatabase.withDatabase(
                    configuration: configuration, logger: ServiceCommandSupport.logger()
                ) { database in
                    try await print(database: database, from: start)
                }
            } catch {
                throw CommandFailure.failed("events", error)
            }
        }
    }

    /// Prints the events after `start`. With `--follow` it tails until `--limit` or until SIGINT/SIGTERM, which end
    /// it cleanly (exit 0) instead of killing the process.
    private func print(database: ProjectorDatabase, from start: EventCursor) async throws {
        let notifier = follow ? try database.makeNotifier() : nil
        let tailer = database.makeTailer(notifier: notifier)
        let (follow, limit) = (follow, limit)
        let interruption = follow ? Interruption() : nil
        defer { interruption?.cancel() }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            defer { group.cancelAll() }
            if let notifier {
                group.addTask {
                    await notifier.run()
                    return false
                }
            }
            if let signals = interruption?.received {
                group.addTask {
                    // The first signal; the loop also ends when the task is cancelled.
                    for await _ in signals { break }
                    return true
                }
            }
            group.addTask {
                var remaining = limit ?? Int.max
                try await tailer.run(from: start) { batch in
                    for event in batch.events.prefix(remaining) {
                        CommandSupport.printLine(Self.line(event))
                    }
                    remaining -= min(remaining, batch.events.count)
                    if remaining == 0 { return .stop }
                    return follow || batch.isFull ? .continue : .stop
                }
                return true
            }
            // Done when the tailer stopped or a signal came, whichever is first; the notifier runs until then.
            while let finished = try await group.next(), !finished {}
        }
    }

    /// `{id,type,stream,seq,service,position,tx_id,created_at,data}`.
    static func line(_ event: Event) -> String {
        var object = JSONObject(minimumCapacity: 9)
        object["id"] = .string(event.id)
        object["type"] = .string(event.type)
        object["stream"] = .string(event.stream)
        object["seq"] = .int(Int(event.seq))
        object["service"] = .string(event.service)
        object["position"] = .int(Int(event.cursor.position))
        object["tx_id"] = .int(Int(truncatingIfNeeded: event.cursor.transactionID))
        object["created_at"] = .string(event.createdAt)
        object["data"] = event.data
        return JSONValue.object(object).serialized()
    }
}
