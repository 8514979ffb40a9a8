import ProjectorCore
import Testing

/// `set` results wait in one reused slot per field between evaluation and assignment: a field that failed part way
/// leaves nothing behind for the next event, handlers with more or fewer fields share the slots, and an undefined
/// result still removes its field.
@Suite struct SetAssignmentSlotsTests {
    typealias Support = EngineTestSupport

    static let definition = """
        projection: slots
        version: 1
        target: { opensearch: { index: slots } }
        initial: '{"id": $key}'
        on:
          wide:
            set:
              a: $event.data.a
              b: '$event.data.fail ? $error("bad b") : $event.data.b'
              c: $event.data.c
          narrow:
            set: { a: $event.data.a }
        on_error: dead_letter
        """

    @Test func aFailedAssignmentLeavesNothingForTheNextEvent() async throws {
        let events = [
            Support.event("wide", stream: "s1", seq: 1, tx: 1, data: ["a": 1, "b": 2, "c": 3]),
            Support.event("wide", stream: "s2", seq: 1, tx: 2, data: ["a": "left", "fail": true, "c": "over"]),
            Support.event("narrow", stream: "s3", seq: 1, tx: 3, data: ["a": 4]),
            Support.event("wide", stream: "s4", seq: 1, tx: 4, data: ["a": 5, "c": 6]),
            Support.event("wide", stream: "s1", seq: 2, tx: 5, data: ["a": 7, "b": 8]),
        ]
        let result = try await Support.fold(try Support.projection(Self.definition), events)
        #expect(result.failures.map(\.index) == [1])
        let documents = result.documents
        #expect(documents["s1"]?.body == ["id": "s1", "a": 7, "b": 8])
        #expect(documents["s2"]?.body == nil)
        #expect(documents["s3"]?.body == ["id": "s3", "a": 4])
        #expect(documents["s4"]?.body == ["id": "s4", "a": 5, "c": 6])
    }
}
