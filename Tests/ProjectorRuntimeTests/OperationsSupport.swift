import Logging
import PostgresNIO
import ProjectorCore
import ProjectorOpenSearch
import ProjectorPostgres
import ProjectorRuntime
import ProjectorTesting
import Testing

extension RuntimeHarness {
    /// Runs `body` with an operations session on the harness's database and view stores.
    func withSession<Result: Sendable>(_ body: (OperationsSession) async throws -> Result) async throws -> Result {
        try await ViewStores.withViewStores(
            configuration: configuration, environment: Self.environment, logger: Self.logger
        ) { stores in
            try await body(
                OperationsSession(configuration: configuration, database: database, stores: stores, logger: Self.logger)
            )
        }
    }

    /// The stored documents of `keys` in `projection`'s view (absent keys left out), as the store returns them.
    func storedDocuments(_ keys: [String], of projection: Projection) async throws -> [String: StoredDocument] {
        try await ViewStores.withViewStores(
            configuration: configuration, environment: Self.environment, logger: Self.logger
        ) { stores in
            try await stores.store(for: projection, prepare: false).fetch(keys)
        }
    }

    /// A bank-account projection (stream-keyed) at `version`, into OpenSearch or DynamoDB. Version 2 adds a
    /// `deposits` counter, so the two versions' documents differ.
    func accounts(version: Int, dynamoDB: Bool = false, onError: String = "stop", depositGuard: String? = nil)
        throws -> Projection
    {
        let target =
            dynamoDB
            ? "dynamodb:\n    table: acc_\(suffix)" : "opensearch:\n    index: acc_\(suffix)"
        let extra = version >= 2 ? "\n      deposits: '$doc.deposits + 1'" : ""
        let initial = version >= 2 ? #"'{"id": $key, "balance": 0, "deposits": 0}'"# : #"'{"id": $key, "balance": 0}'"#
        let guardLine = depositGuard.map { "\n    when: '\($0)'" } ?? ""
        return try projection(
            """
            projection: acc_\(suffix)
            version: \(version)
            target:
              \(target)
            initial: \(initial)
            on_error: \(onError)
            on:
              opened:
                set: { owner: $event.data.owner }
              deposited:\(guardLine)
                set:
                  balance: '$doc.balance + $event.data.amount'\(extra)
              closed:
                delete: true
            """)
    }

    /// Appends `accounts` streams with an `opened` and `deposits` deposits each; returns the stream ids.
    @discardableResult
    func appendAccounts(_ accounts: Int, deposits: Int, on connection: PostgresConnection) async throws -> [String] {
        var streams: [String] = []
        var events: [TestEvent] = []
        for index in 0..<accounts {
            let stream = TestEvent.uuid()
            streams.append(stream)
            events.append(TestEvent(stream: stream, seq: 1, type: "opened", data: ["owner": .string("o\(index)")]))
            for seq in 0..<deposits {
                events.append(
                    TestEvent(stream: stream, seq: seq + 2, type: "deposited", data: ["amount": .int(seq + 1)]))
            }
        }
        try await append(events, table: table, on: connection)
        return streams
    }

    /// Verifies the live view of `projection`; returns the report and the drifts found.
    func verify(_ projection: Projection, sample: Int? = nil) async throws -> (VerifyReport, [DocumentDrift]) {
        try await withSession { session in
            let live = try await session.database.checkpoints.read(projection.name)?.cursor ?? .start
            let verifier = ProjectionVerifier(
                log: session.log(projection), target: try await session.liveTarget(projection), liveCursor: live,
                logger: Self.logger)
            var drifts: [DocumentDrift] = []
            let report = try await verifier.run(ProjectionVerifier.Options(sample: sample)) { drifts.append($0) }
            return (report, drifts)
        }
    }
}
