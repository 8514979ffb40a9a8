import Testing

@testable import ProjectorCore

/// A document's later writes refill the member lists of its previous stored form: the bodies written are the same as
/// freshly built ones, and a stored form a store still holds is never changed under it.
@Suite struct StoredBodyRefillTests {
    static func state(members size: Int) throws -> DocumentState {
        var members = (0..<size).map { #""f\#($0)":\#($0)"# }
        members.append(#""_projector":{"v":3,"c":"7:8","s":{"bank/a":4},"pv":1}"#)
        let body = try JSONValue(parsing: "{" + members.joined(separator: ",") + "}")
        return DocumentState(key: "a", stored: StoredDocument(key: "a", body: body, revision: StoreRevision(2)))
    }

    /// Changes `f0` to `value` and applies event `seq` of `bank/a` at position `seq`.
    static func change(_ state: inout DocumentState, f0 value: Int, seq: Int64) {
        state.body?["f0"] = .int(value)
        state.metadata.setSequence(seq, service: "bank", stream: "a")
        state.metadata.advanceCursor(to: EventCursor(transactionID: 9, position: seq))
        state.isDirty = true
    }

    static func body(of write: DocumentWrite?) -> JSONValue? {
        guard case .upsert(_, let body, _)? = write else { return nil }
        return body
    }

    /// The stored text of a state built afresh (no previous stored form).
    static func fresh(_ state: DocumentState) -> String? {
        var copy = state
        copy.lastStored = nil
        return copy.storedBody?.serialized()
    }

    @Test(arguments: [1, 20])
    func laterWritesEqualFreshlyBuiltBodies(members size: Int) throws {
        var state = try Self.state(members: size)
        Self.change(&state, f0: 10, seq: 5)
        let first = try #require(Self.body(of: state.makeWrite(projectionVersion: 1)))
        let firstText = first.serialized()
        #expect(firstText.hasSuffix(#""_projector":{"v":4,"c":"9:5","s":{"bank/a":5},"pv":1}}"#))

        // The first body is still held (as by a store): the second write must not change it.
        state = state.committed(revision: StoreRevision(3))
        Self.change(&state, f0: 11, seq: 6)
        do {
            let second = try #require(Self.body(of: state.makeWrite(projectionVersion: 1)))
            #expect(first.serialized() == firstText)
            #expect(second["f0"] == 11)
            #expect(second.serialized().hasSuffix(#""_projector":{"v":5,"c":"9:6","s":{"bank/a":6},"pv":1}}"#))
        }

        // Nobody holds the earlier bodies now: refilled in place, equal to a body built afresh.
        state = state.committed(revision: StoreRevision(4))
        Self.change(&state, f0: 12, seq: 7)
        let freshText = Self.fresh(state)
        let before = state.lastStored?.valueList.withUnsafeBufferPointer { $0.baseAddress }
        let third = try #require(Self.body(of: state.makeWrite(projectionVersion: 2)))
        #expect(third.objectValue?.valueList.withUnsafeBufferPointer { $0.baseAddress } == before)
        #expect(third["f0"] == 12)
        #expect(third["_projector"]?["pv"] == 2)
        #expect(freshText.map { $0.replacing(#""v":5"#, with: #""v":6"#).replacing(#""pv":1"#, with: #""pv":2"#) }
            == third.serialized())
        #expect(third.objectValue?.count == size + 1)
        #expect(first.serialized() == firstText)
    }

    @Test func aReleasedWrittenFormIsBuiltAfresh() throws {
        var state = try Self.state(members: 3)
        Self.change(&state, f0: 1, seq: 5)
        _ = state.makeWrite(projectionVersion: 1)
        #expect(state.lastStored != nil)
        state = state.committed(revision: StoreRevision(3), keepingWrittenForm: false)
        #expect(state.lastStored == nil)
        Self.change(&state, f0: 2, seq: 6)
        let body = try #require(Self.body(of: state.makeWrite(projectionVersion: 1)))
        #expect(body.serialized() == #"{"f0":2,"f1":1,"f2":2,"_projector":{"v":5,"c":"9:6","s":{"bank/a":6},"pv":1}}"#)
    }

    @Test func aSecondStreamOrNewMembersBuildTheStoredFormAfresh() throws {
        var state = try Self.state(members: 2)
        Self.change(&state, f0: 1, seq: 5)
        _ = state.makeWrite(projectionVersion: 1)
        state = state.committed(revision: StoreRevision(3))

        // Another stream: metadata with two streams.
        state.metadata.setSequence(1, service: "bank", stream: "b")
        Self.change(&state, f0: 2, seq: 6)
        let twoStreams = try #require(Self.body(of: state.makeWrite(projectionVersion: 1)))
        #expect(twoStreams["_projector"]?["s"] == ["bank/a": 6, "bank/b": 1])
        state = state.committed(revision: StoreRevision(4))

        // A new member: other keys.
        state.body?["extra"] = "x"
        Self.change(&state, f0: 3, seq: 7)
        let widened = try #require(Self.body(of: state.makeWrite(projectionVersion: 1)))
        #expect(widened.objectValue?.keys == ["f0", "f1", "extra", "_projector"])
        #expect(widened["extra"] == "x")
        #expect(widened["_projector"]?["v"] == 6)
    }
}
