import ProjectorCore
import Testing

/// DESIGN.md §4 is the contract: its example definition must load and its fixture must pass, as written.
@Suite struct DesignExampleTests {
    static let definition = """
        projection: account_balance        # [a-z][a-z0-9_]*, unique
        version: 1                         # bump when the output changes: needs a rebuild
        source:
          services: [account-svc]          # optional filter on service_name
          events: [account-opened, money-deposited, account-closed]  # default: keys of `on`
        key: $event.stream                 # JSONata; default the aggregate id
        target:
          opensearch:
            index: account_balance         # the alias readers use; physical index is versioned
            mappings: { properties: { owner: { type: keyword } } }
          # or: dynamodb: { table: account_balance, key: id }
        initial: '{"id": $key, "balance": 0}'        # default {"id": $key}
        on:
          account-opened:
            set: { owner: $event.data.owner, opened_at: $event.created_at }
          money-deposited:
            when: $event.data.amount > 0               # optional guard
            set: { balance: $doc.balance + $event.data.amount }
          account-renamed: '$merge([$doc, {"name": $event.data.name}])'  # expression form
          account-closed:
            delete: true
        on_error: stop                      # or: dead_letter (record and go on)
        """

    static let fixture = """
        projection: account_balance
        cases:
          - name: deposits add up
            given:
              - { type: account-opened,  stream: a1, data: { owner: ann } }
              - { type: money-deposited, stream: a1, data: { amount: 5 } }
            expect:
              a1: { id: a1, owner: ann, balance: 5 }
        """

    @Test func theExampleDefinitionLoadsAndItsFixturePasses() async throws {
        let projection = try ProjectionLoader.parse(Self.definition, file: "account_balance.yaml")
        #expect(projection.name == "account_balance")
        #expect(projection.handlers["account-renamed"] != nil)
        #expect(projection.eventTypes.contains("account-renamed"))
        let fixture = try FixtureLoader.parse(Self.fixture, file: "tests/account_balance.yaml")
        for fixtureCase in fixture.cases {
            let outcome = await FixtureRunner.run(fixtureCase, projection: projection)
            #expect(outcome.passed, "\(fixtureCase.name): \(outcome.mismatches) \(outcome.failures)")
        }
    }
}
