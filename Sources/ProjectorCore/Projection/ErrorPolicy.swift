/// `on_error`: what the runtime does when an event cannot be folded.
public enum ErrorPolicy: String, Sendable, Hashable, CaseIterable {
    /// Stop the projection before the failing event (default); nothing after it is applied.
    case stop
    /// Record the event and its error in the dead-letter table and go on as if the event were skipped.
    case deadLetter = "dead_letter"
}
