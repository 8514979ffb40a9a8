/// Runs fixture cases through the fold engine (the same code path as the service): all `given` events as one
/// batch on an empty store, gaps closed from the given events themselves.
public enum FixtureRunner {
    /// The outcome of one case.
    public struct Outcome: Sendable {
        /// The case name.
        public var name: String
        /// Per expected key that did not match: the key, expected and actual documents (without `_projector`)
        /// and the differences.
        public var mismatches: [Mismatch]
        /// Events that could not be folded (any failure fails the case).
        public var failures: [FoldFailure]

        /// True when every expected document matched and no event failed.
        public var passed: Bool { mismatches.isEmpty && failures.isEmpty }
    }

    /// A document that differs from its expectation.
    public struct Mismatch: Sendable {
        /// The document key.
        public var key: String
        /// Expected document, `nil` for absent.
        public var expected: JSONValue?
        /// Actual document, `nil` for absent.
        public var actual: JSONValue?
        /// Where they differ.
        public var differences: [JSONDifference]
    }

    /// Runs one case against `projection`.
    public static func run(_ fixtureCase: FixtureCase, projection: Projection) async -> Outcome {
        let events = fixtureCase.events(for: projection)
        let folded: BatchFoldResult
        do {
            folded = try await BatchFold(projection: projection).run(
                events,
                fetch: { _ in [:] },
                readStream: { stream, range in
                    events.filter { $0.streamID == stream && range.contains($0.seq) }
                }
            )
        } catch {
            // The closures above never throw.
            return Outcome(name: fixtureCase.name, mismatches: [], failures: [])
        }
        var mismatches: [Mismatch] = []
        for (key, expected) in fixtureCase.expect {
            let actual = folded.documents[key]?.body.map(JSONValue.object)
            guard expected != actual else { continue }
            mismatches.append(
                Mismatch(
                    key: key, expected: expected, actual: actual,
                    differences: JSONDifference.between(expected: expected, actual: actual)))
        }
        return Outcome(name: fixtureCase.name, mismatches: mismatches, failures: folded.failures)
    }
}
