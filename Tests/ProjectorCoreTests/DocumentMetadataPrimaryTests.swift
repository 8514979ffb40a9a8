@testable import ProjectorCore
import Testing

/// The primary stream kept by its `service/stream` name: lookups compare the name byte by byte against service and
/// stream, for decoded and for new metadata alike.
@Suite struct DocumentMetadataPrimaryTests {
    @Test func decodedPrimaryAnswersOnlyItsOwnStream() throws {
        let stored = try JSONValue(parsing: #"{"v":3,"c":"10:20","s":{"svc/a-1":4},"pv":2}"#)
        var metadata = DocumentMetadata(json: stored)
        #expect(metadata.sequence(service: "svc", stream: "a-1") == 4)
        #expect(metadata.sequence(service: "svc", stream: "a-2") == nil)
        #expect(metadata.sequence(service: "sv", stream: "c/a-1") == nil)
        #expect(metadata.sequence(service: "svc/a", stream: "-1") == nil)
        metadata.setSequence(5, service: "svc", stream: "a-1")
        metadata.setSequence(1, service: "other", stream: "b")
        #expect(metadata.sequence(service: "svc", stream: "a-1") == 5)
        #expect(metadata.sequence(service: "other", stream: "b") == 1)
        #expect(
            metadata.streams == [StreamID(service: "svc", stream: "a-1"): 5, StreamID(service: "other", stream: "b"): 1])
        #expect(metadata.jsonValue.serialized() == #"{"v":3,"c":"10:20","s":{"other/b":1,"svc/a-1":5},"pv":2}"#)
        #expect(DocumentMetadata(json: metadata.jsonValue) == metadata)
    }

    @Test func newPrimaryWithSlashesAndNonASCII() {
        var metadata = DocumentMetadata()
        metadata.setSequence(1, service: "sérvice/x", stream: "ström")
        #expect(metadata.sequence(service: "sérvice/x", stream: "ström") == 1)
        #expect(metadata.sequence(service: "sérvice", stream: "x/ström") == nil)
        #expect(metadata.streams == [StreamID(service: "sérvice/x", stream: "ström"): 1])
        #expect(metadata.jsonValue["s"] == .object(["sérvice/x/ström": 1]))
    }

    @Test func severalStoredStreamsKeepTheirSequences() throws {
        let stored = try JSONValue(parsing: #"{"v":1,"s":{"a/1":2,"b/2":7,"bad":1,"c/3":"x"},"pv":1}"#)
        let metadata = DocumentMetadata(json: stored)
        #expect(metadata.sequence(service: "a", stream: "1") == 2)
        #expect(metadata.sequence(service: "b", stream: "2") == 7)
        #expect(metadata.streams.count == 2)
    }
}
