import ProjectorCore
import Testing

/// `_projector` reading and writing, whichever way the streams are kept inside.
@Suite struct DocumentMetadataTests {
    @Test func roundTripsOneStream() throws {
        let text = #"{"v":3,"c":"12:40","s":{"bank/a1":7},"pv":2}"#
        let metadata = DocumentMetadata(json: try JSONValue(parsing: text))
        #expect(metadata.version == 3)
        #expect(metadata.cursor == EventCursor(transactionID: 12, position: 40))
        #expect(metadata.projectionVersion == 2)
        #expect(metadata.streams == [StreamID(service: "bank", stream: "a1"): 7])
        #expect(metadata.jsonValue.serialized() == text)
    }

    @Test func writesSeveralStreamsSortedAndReadsThemBack() throws {
        var metadata = DocumentMetadata(version: 1)
        metadata.streams[StreamID(service: "b", stream: "x")] = 2
        metadata.streams[StreamID(service: "a", stream: "y/z")] = 5
        metadata.streams[StreamID(service: "b", stream: "x")] = 3
        #expect(metadata.jsonValue.serialized() == #"{"v":1,"s":{"a/y/z":5,"b/x":3},"pv":0}"#)
        let read = DocumentMetadata(json: metadata.jsonValue)
        #expect(read == metadata)
        #expect(read.streams.count == 2)
        #expect(read.streams[StreamID(service: "a", stream: "y/z")] == 5)
    }

    @Test func malformedPartsReadAsEmpty() throws {
        let metadata = DocumentMetadata(
            json: try JSONValue(parsing: #"{"v":"x","c":"nope","s":{"noslash":1,"ok/a":"2","ok/b":4},"pv":1.5}"#))
        #expect(metadata.version == 0)
        #expect(metadata.cursor == nil)
        #expect(metadata.projectionVersion == 0)
        #expect(metadata.streams == [StreamID(service: "ok", stream: "b"): 4])
        #expect(DocumentMetadata(json: nil) == DocumentMetadata())
        #expect(DocumentMetadata().jsonValue.serialized() == #"{"v":0,"s":{},"pv":0}"#)
    }

    @Test func equalMetadataHashesEqually() {
        let one = DocumentMetadata(streams: [
            StreamID(service: "s", stream: "1"): 1, StreamID(service: "s", stream: "2"): 2,
        ])
        var other = DocumentMetadata()
        other.streams[StreamID(service: "s", stream: "2")] = 2
        other.streams[StreamID(service: "s", stream: "1")] = 1
        #expect(one == other)
        #expect(Set([one, other]).count == 1)
    }
}
