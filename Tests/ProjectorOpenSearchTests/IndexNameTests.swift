import Foundation
import Testing

@testable import ProjectorOpenSearch

@Suite struct IndexNameTests {
    @Test func makesSortableNamesAndParsesThem() throws {
        var random = SystemRandomNumberGenerator()
        let date = Date(timeIntervalSince1970: 1_769_508_915)  // 2026-01-27 10:15:15 UTC
        let name = IndexName.make(alias: "account_balance", version: 3, date: date, random: &random)
        #expect(name.description.hasPrefix("account_balance__v3_20260127t101515z_"))
        #expect(name.buildID.count == "20260127t101515z_".count + 4)
        let parsed = try #require(IndexName(parsing: name.description))
        #expect(parsed == name)
        let later = IndexName.make(alias: "account_balance", version: 3, date: date + 1, random: &random)
        let nextVersion = IndexName.make(alias: "account_balance", version: 4, date: date - 100, random: &random)
        #expect([nextVersion, later, name].sorted() == [name, later, nextVersion])
    }

    @Test func parsesAliasesWithDoubleUnderscores() {
        #expect(IndexName(parsing: "a__b__v2_x") == IndexName(alias: "a__b", version: 2, buildID: "x"))
        #expect(IndexName(parsing: "plain_index") == nil)
        #expect(IndexName(parsing: "__v1_x") == nil)
        #expect(IndexName(parsing: "a__vx_y") == nil)
        #expect(IndexName(parsing: "a__v1_") == nil)
    }

    @Test func civilDates() {
        #expect(IndexName.civilDate(daysSinceEpoch: 0) == (1970, 1, 1))
        #expect(IndexName.civilDate(daysSinceEpoch: 11_016) == (2000, 2, 29))
        #expect(IndexName.civilDate(daysSinceEpoch: -1) == (1969, 12, 31))
    }

    @Test(arguments: ["Upper", "_x", "-x", "a b", "a,b", "a*", "a:b", "", ".", String(repeating: "a", count: 256)])
    func rejectsInvalidNames(_ name: String) {
        #expect(throws: OpenSearchError.self) { try IndexName.validate(name, what: "index") }
    }

    @Test func acceptsValidNames() throws {
        try IndexName.validate("account_balance__v1_20260101t000000z_abcd", what: "index")
        try IndexName.validate("a.b-c+d", what: "alias")
    }
}
