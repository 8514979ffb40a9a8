import Foundation
import PostgresNIO
import ProjectorCore
import ProjectorPostgres
import ProjectorTesting
import Testing

/// TESTPLAN 28: logs at info and debug never contain passwords, AWS keys, Authorization headers or
/// document bodies. The real `projector` binary runs every command that talks to the servers at
/// `LOG_LEVEL=debug` with distinctive secrets — a PostgreSQL password that is really checked
/// (SCRAM, private cluster), OpenSearch basic-auth credentials, AWS keys and a session token — and
/// events whose data carries a marker that ends up in documents; a poison event and a document the
/// store rejects make the error paths log too. Then the combined output is searched.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct LogSecrecyTests {
    /// The values that must never be printed, named for the failure message.
    struct Secrets {
        let role: String
        let databasePassword: String
        let openSearchPassword: String
        let accessKeyID: String
        let secretAccessKey: String
        let sessionToken: String
        let bodyMarker: String

        init(suffix: String) {
            role = "app_\(suffix)"
            databasePassword = "PgPass\(suffix)Word"
            openSearchPassword = "OsPass\(suffix)Word"
            accessKeyID = "AKIAPROJECTOR\(suffix.uppercased())"
            secretAccessKey = "AwsSecret\(suffix)Key"
            sessionToken = "AwsSession\(suffix)Token"
            bodyMarker = "BodyMarker\(suffix)Text"
        }

        /// Everything that must not appear, by name (compared case-insensitively).
        var forbidden: [(name: String, text: String)] {
            [
                ("the PostgreSQL password", databasePassword), ("the OpenSearch password", openSearchPassword),
                ("the AWS secret key", secretAccessKey), ("the AWS session token", sessionToken),
                ("an Authorization header", "Authorization"), ("a SigV4 credential", "AWS4-HMAC-SHA256 Credential"),
                ("a document body", bodyMarker),
            ]
        }
    }

    static func definitions(_ suffix: String) -> [String: String] {
        [
            "notes": """
            projection: notes_\(suffix)
            version: 1
            target:
              opensearch:
                index: notes_\(suffix)
                mappings: { properties: { raw: { type: long } } }
            initial: '{"id": $key, "total": 0}'
            on:
              noted:
                set: { note: $event.data.note, raw: $event.data.raw, total: '$doc.total + $event.data.amount' }
            on_error: dead_letter
            """,
            "tallies": """
            projection: tallies_\(suffix)
            version: 1
            key: '"all"'
            target: { dynamodb: { table: tallies_\(suffix) } }
            initial: '{"id": $key, "count": 0, "sum": 0}'
            on:
              noted:
                set: { last: $event.data.note, count: '$doc.count + 1', sum: '$doc.sum + $event.data.amount' }
            on_error: dead_letter
            """,
        ]
    }

    /// Good events, a poison event (a string amount: `+` fails) and a document OpenSearch rejects
    /// (`raw` is mapped as a number), all carrying the marker in their data.
    static func events(_ marker: String) -> [TestEvent] {
        var events: [TestEvent] = []
        for index in 0..<5 {
            let stream = TestEvent.uuid()
            for seq in 1...3 {
                events.append(
                    TestEvent(
                        stream: stream, seq: seq, type: "noted",
                        data: ["note": .string("\(marker) \(index)"), "amount": .int(seq), "raw": .int(seq)]))
            }
        }
        let poison = TestEvent.uuid()
        events.append(
            TestEvent(
                stream: poison, seq: 1, type: "noted",
                data: ["note": .string(marker), "amount": .string("lots of \(marker)"), "raw": 1]))
        events.append(
            TestEvent(
                stream: TestEvent.uuid(), seq: 1, type: "noted",
                data: ["note": .string(marker), "amount": 1, "raw": .string("not a number \(marker)")]))
        return events
    }

    /// `projector.yaml` (secrets in it, as operators write them) and the projections, in a fresh folder.
    static func writeConfiguration(
        _ harness: RuntimeHarness, databaseURL: String, secrets: Secrets
    ) throws -> URL {
        let folder = try CommandRunner.temporaryFolder("projector-secrecy")
        let definitions = folder.appendingPathComponent("projections")
        try FileManager.default.createDirectory(at: definitions, withIntermediateDirectories: true)
        for (name, text) in Self.definitions(harness.suffix) {
            try text.write(to: definitions.appendingPathComponent("\(name).yaml"), atomically: true, encoding: .utf8)
        }
        let configuration = harness.configuration
        let yaml = """
            postgres:
              url: \(databaseURL)
            events:
              table: \(configuration.events.table.schema.name).\(configuration.events.table.table.name)
              channel: \(configuration.events.channel.name)
              poll_interval: 200ms
            schema: \(configuration.schema.name)
            opensearch:
              url: \(configuration.openSearch.url ?? "")
              username: projector
              password: \(secrets.openSearchPassword)
            dynamodb:
              region: eu-west-1
              endpoint: \(configuration.dynamoDB.endpoint ?? "")
            projections: \(definitions.path)
            """
        let file = folder.appendingPathComponent("projector.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// What one run of the binary printed.
    struct Run {
        var status: Int32
        /// The command's report.
        var output: String
        /// The log.
        var log: String
    }

    /// Runs the binary to completion with `environment`.
    static func capture(_ arguments: [String], environment: [String: String], in folder: URL) throws -> Run {
        let process = Process()
        process.executableURL = ProcessTests.executable
        process.arguments = arguments
        process.environment = environment
        let outputFile = folder.appendingPathComponent("stdout")
        let logFile = folder.appendingPathComponent("stderr")
        for file in [outputFile, logFile] { #expect(FileManager.default.createFile(atPath: file.path, contents: nil)) }
        let output = try FileHandle(forWritingTo: outputFile)
        let log = try FileHandle(forWritingTo: logFile)
        defer {
            try? output.close()
            try? log.close()
        }
        process.standardOutput = output
        process.standardError = log
        try process.run()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, output: try String(contentsOf: outputFile, encoding: .utf8),
            log: try String(contentsOf: logFile, encoding: .utf8))
    }

    /// The lines of `output` containing `text` (case-insensitively), with `text` masked, for a failure message.
    static func leaks(of text: String, in output: String) -> [String] {
        output.split(separator: "\n").filter { $0.localizedCaseInsensitiveContains(text) }.prefix(3).map {
            $0.replacingOccurrences(of: text, with: "<…>", options: .caseInsensitive)
        }
    }

    @Test func secretsAndDocumentBodiesNeverReachTheLogs() async throws {
        guard try TestServers.databaseURL() != nil else { return }
        try await PrivatePostgres.with { server in
            try await FaultTests.withPrivateHarness(server) { harness in
                let secrets = Secrets(suffix: harness.suffix)
                try await PostgresTesting.withConnection(harness.url) { connection in
                    // A member of password_users: the private cluster checks its SCRAM password. Superuser, so
                    // it may migrate and read the harness's tables without a list of grants.
                    try await connection.query(
                        """
                        CREATE ROLE \(unescaped: secrets.role) LOGIN SUPERUSER
                        PASSWORD '\(unescaped: secrets.databasePassword)' IN ROLE password_users
                        """, logger: RuntimeHarness.logger)
                    try await append(Self.events(secrets.bodyMarker), table: harness.table, on: connection)
                }
                let databaseURL = server.urlString(user: secrets.role, password: secrets.databasePassword)
                let config = try Self.writeConfiguration(harness, databaseURL: databaseURL, secrets: secrets)
                defer { try? FileManager.default.removeItem(at: config.deletingLastPathComponent()) }
                var environment = RuntimeHarness.environment
                environment["LOG_LEVEL"] = "debug"
                environment["DATABASE_URL"] = databaseURL
                environment["AWS_ACCESS_KEY_ID"] = secrets.accessKeyID
                environment["AWS_SECRET_ACCESS_KEY"] = secrets.secretAccessKey
                environment["AWS_SESSION_TOKEN"] = secrets.sessionToken

                let (notes, tallies) = ("notes_\(harness.suffix)", "tallies_\(harness.suffix)")
                let commands: [[String]] = [
                    ["migrate"], ["run", "--once", "--http-port", "0"], ["status"], ["status", "--json"],
                    ["verify", notes], ["verify", tallies], ["rebuild", notes], ["rebuild", tallies],
                ]
                var transcript = ""
                for arguments in commands {
                    let command = arguments.prefix(2).joined(separator: " ")
                    let result = try Self.capture(
                        arguments + ["--config", config.path], environment: environment,
                        in: config.deletingLastPathComponent())
                    if ["migrate", "run", "status"].contains(arguments[0]) {
                        #expect(result.status == 0, "\(command) exited \(result.status): \(result.log.suffix(500))")
                    }
                    transcript += result.log
                    for (name, text) in secrets.forbidden {
                        let lines = Self.leaks(of: text, in: result.log)
                        #expect(lines.isEmpty, "`projector \(command)` logged \(name): \(lines)")
                        // verify's report shows drifted documents: that is what it is asked for.
                        guard text != secrets.bodyMarker || arguments[0] != "verify" else { continue }
                        let printed = Self.leaks(of: text, in: result.output)
                        #expect(printed.isEmpty, "`projector \(command)` printed \(name): \(printed)")
                    }
                }
                // The run really logged at debug, reached both stores and went through the error paths.
                #expect(transcript.contains("batch committed"))
                let letters = try await harness.database.deadLetters.list(projection: notes)
                #expect(letters.count == 2, "dead letters: \(letters.map(\.error))")
                let head = try await harness.database.reader.headCursor()
                #expect(try await harness.database.checkpoints.read(tallies)?.cursor == head)
            }
        }
    }
}
