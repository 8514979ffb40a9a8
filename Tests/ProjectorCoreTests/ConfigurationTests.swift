import ProjectorCore
import Testing

@Suite struct ConfigurationTests {
    @Test func emptyFileGivesTheDocumentedDefaults() throws {
        let configuration = try ProjectorConfiguration(yaml: "")
        #expect(configuration.postgres.url == nil)
        #expect(configuration.events.table.description == "public.event_store")
        #expect(configuration.events.columns.stream.name == "aggregate_id")
        #expect(configuration.events.columns.createdAt.name == "created_on")
        #expect(configuration.events.typeKey == "event-id")
        #expect(configuration.events.encoding == .plain)
        #expect(configuration.events.channel.name == "projector_events")
        #expect(configuration.events.pollInterval == .seconds(1))
        #expect(configuration.events.batchSize == 1000)
        #expect(configuration.schema.name == "projector")
        #expect(configuration.projectionsPath == "./projections")
        #expect(configuration.http.port == 9464)
    }

    @Test func readsEveryKeyOfTheDesignExample() throws {
        let yaml = """
            postgres:
              url: postgres://projector:s3cret@db:5433/app?sslmode=verify-full
              max_connections: 4
            events:
              table: test.event_store
              columns: { stream: agg, seq: num, service: svc, data: body, created_at: at, id: evt }
              type: kind
              encoding: edd
              channel: my_events
              poll_interval: 250ms
              batch_size: 500
            schema: proj
            opensearch:
              url: https://search:9200
              username: admin
              password: hunter2
              aws: { region: eu-west-1, service: aoss }
              tls: { ca_file: /etc/ca.pem, insecure_skip_verify: true }
            dynamodb:
              region: eu-central-1
              endpoint: http://127.0.0.1:8000
            projections: ./defs
            http: { port: 9100 }
            runtime: { rebuild: auto }
            """
        let configuration = try ProjectorConfiguration(yaml: yaml)
        let url = try #require(configuration.postgres.url)
        #expect(url.username == "projector")
        #expect(url.password == "s3cret")
        #expect(url.host == "db")
        #expect(url.port == 5433)
        #expect(url.database == "app")
        #expect(url.sslMode == .verifyFull)
        #expect(configuration.postgres.maxConnections == 4)
        #expect(configuration.events.table.quoted == #""test"."event_store""#)
        #expect(configuration.events.columns.seq.name == "num")
        #expect(configuration.events.columns.id.name == "evt")
        #expect(configuration.events.typeKey == "kind")
        #expect(configuration.events.encoding == .edd)
        #expect(configuration.events.pollInterval == .milliseconds(250))
        #expect(configuration.events.batchSize == 500)
        #expect(configuration.schema.name == "proj")
        #expect(configuration.openSearch.password == "hunter2")
        #expect(configuration.openSearch.aws?.service == "aoss")
        #expect(configuration.openSearch.tls.insecureSkipVerify)
        #expect(configuration.dynamoDB.endpoint == "http://127.0.0.1:8000")
        #expect(configuration.projectionsPath == "./defs")
        #expect(configuration.http.port == 9100)
        #expect(configuration.runtime == ["rebuild": "auto"])
    }

    @Test func environmentOverridesTheFile() throws {
        let configuration = try ProjectorConfiguration(
            yaml: "postgres: {url: 'postgres://a@file/db'}\ndynamodb: {region: eu-west-1}",
            environment: [
                "DATABASE_URL": "postgres://b@env:6000/other", "OPENSEARCH_URL": "http://os:9200",
                "OPENSEARCH_PASSWORD": "pw", "DYNAMODB_ENDPOINT": "http://ddb:8000", "AWS_REGION": "us-east-1",
            ])
        #expect(configuration.postgres.url?.host == "env")
        #expect(configuration.postgres.url?.port == 6000)
        #expect(configuration.openSearch.url == "http://os:9200")
        #expect(configuration.openSearch.password == "pw")
        #expect(configuration.dynamoDB.endpoint == "http://ddb:8000")
        #expect(configuration.dynamoDB.region == "us-east-1")
    }

    @Test(arguments: [
        ("events:\n  tabel: x", "projector.yaml:2:3: unknown key 'tabel' in events"),
        ("bogus: 1", "projector.yaml:1:1: unknown key 'bogus'"),
        ("events:\n  columns: {strem: x}", "projector.yaml:2:13: unknown key 'strem' in events.columns"),
        (
            "events:\n  batch_size: lots",
            "projector.yaml:2:15: events.batch_size must be an integer between 1 and 100000"
        ),
        (
            "events:\n  poll_interval: 5 minutes",
            "projector.yaml:2:18: events.poll_interval must be a positive duration like 250ms, 1s or 2m"
        ),
        ("events:\n  encoding: utf8", "projector.yaml:2:13: events.encoding must be plain or edd"),
        (
            "events:\n  channel: 'my-events'",
            "projector.yaml:2:12: events.channel must be a plain SQL identifier matching [A-Za-z_][A-Za-z0-9_$]* (at most 63 bytes)"
        ),
        (
            "schema: 'a b'",
            "projector.yaml:1:9: schema must be a plain SQL identifier matching [A-Za-z_][A-Za-z0-9_$]* (at most 63 bytes)"
        ),
        ("http: {port: 70000}", "projector.yaml:1:14: http.port must be an integer between 1 and 65535"),
        ("opensearch: {url: search:9200}", "projector.yaml:1:19: opensearch.url must be an http:// or https:// URL"),
        ("events: [1, 2]", "projector.yaml:1:9: events must be a mapping"),
        ("runtime:\n  rebuld: auto", "projector.yaml:2:3: unknown key 'rebuld' in runtime"),
        ("runtime: {rebuild: sometimes}", "projector.yaml:1:20: runtime.rebuild must be auto or manual"),
        ("runtime: manual", "projector.yaml:1:10: runtime must be a mapping"),
    ])
    func badValuesNameTheKeyAndPlace(yaml: String, expected: String) {
        let error = #expect(throws: ConfigurationError.self) { try ProjectorConfiguration(yaml: yaml) }
        #expect(error?.description == expected)
        #expect(error?.exitCode == 2)
    }

    @Test func malformedYAMLIsReportedWithItsPosition() {
        let error = #expect(throws: ConfigurationError.self) { try ProjectorConfiguration(yaml: "events: {table: x\n") }
        #expect(error?.code == .malformedFile)
        #expect(error?.line != nil)
    }

    @Test func passwordsNeverAppearInErrorsOrDescriptions() throws {
        let url = try DatabaseURL(parsing: "postgres://user:p%40ss@db/app")
        #expect(url.password == "p@ss")
        #expect(url.description == "postgres://user:***@db:5432/app?sslmode=prefer")
        let error = #expect(throws: ConfigurationError.self) {
            try ProjectorConfiguration(yaml: "", environment: ["DATABASE_URL": "postgres://u:topsecret@db:99999/x"])
        }
        #expect(error?.description.contains("topsecret") == false)
        #expect(error?.description.hasPrefix("environment: DATABASE_URL: port") == true)
        let badMode = #expect(throws: ConfigurationError.self) {
            try ProjectorConfiguration(yaml: "postgres: {url: 'postgres://u:topsecret@db/x?sslmode=maybe'}")
        }
        #expect(badMode?.description.contains("topsecret") == false)
        #expect(badMode?.description.contains("postgres.url: sslmode 'maybe'") == true)
    }

    @Test(arguments: [
        ("events", true), ("_x$1", true), ("Events2", true), ("1events", false), ("ev-ents", false),
        ("events\"; DROP TABLE x;--", false), ("", false), (String(repeating: "a", count: 64), false),
    ])
    func identifiersAreValidatedAndQuoted(name: String, valid: Bool) {
        #expect((SQLIdentifier(name) != nil) == valid)
        if valid { #expect(SQLIdentifier(name)?.quoted == "\"\(name)\"") }
    }

    @Test func tableNamesTakeAnOptionalSchema() {
        #expect(SQLTableName("event_store")?.description == "public.event_store")
        #expect(SQLTableName("realm.event_store")?.quoted == #""realm"."event_store""#)
        #expect(SQLTableName("a.b.c") == nil)
        #expect(SQLTableName("realm.") == nil)
    }

    @Test(arguments: [("250ms", 250), ("1s", 1000), ("1.5s", 1500), ("2m", 120_000), ("1h", 3_600_000)])
    func durationsParse(text: String, milliseconds: Int64) {
        #expect(ConfigurationDuration.parse(text) == .milliseconds(milliseconds))
    }

    @Test(arguments: ["", "s", "-1s", "1 s", "1d", "abc"])
    func badDurationsAreRejected(text: String) {
        #expect(ConfigurationDuration.parse(text) == nil)
    }
}
