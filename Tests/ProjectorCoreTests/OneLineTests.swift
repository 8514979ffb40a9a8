import ProjectorCore
import Testing

@Suite struct OneLineTests {
    @Test func lineBreaksBecomeSpaces() {
        #expect("mapping error\nat line 3\r\nnext".oneLine() == "mapping error at line 3 next")
    }

    @Test func longTextIsCutAtTheLimitWithAnEllipsis() {
        let text = String(repeating: "é", count: 50)
        #expect(text.oneLine(limit: 10) == String(repeating: "é", count: 10) + "…")
        #expect(text.oneLine(limit: 50) == text)
    }

    @Test func substringsWork() {
        let reason = "a\nb c"[...]
        #expect(reason.oneLine(limit: 2) == "a …")
    }
}
