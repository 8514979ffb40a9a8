/// A position in delivery order: the writing transaction's id, then the event's
/// position. Events are delivered in ascending cursor order; a checkpoint is a cursor.
///
/// Text form `TX:POS` (e.g. `1042:77`), used by `projector events --after` and in logs.
public struct EventCursor: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// `tx_id` (xid8) of the transaction that wrote the event.
    public var transactionID: UInt64
    /// The event's `position` (from the table's sequence).
    public var position: Int64

    /// The cursor before every event.
    public static let start = EventCursor(transactionID: 0, position: 0)

    /// Creates a cursor from a transaction id and a position.
    public init(transactionID: UInt64, position: Int64) {
        self.transactionID = transactionID
        self.position = position
    }

    /// Parses `TX:POS`; `nil` when malformed.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let tx = UInt64(parts[0]), let position = Int64(parts[1]), position >= 0 else {
            return nil
        }
        self.init(transactionID: tx, position: position)
    }

    /// Orders by transaction id, then by position.
    public static func < (lhs: EventCursor, rhs: EventCursor) -> Bool {
        (lhs.transactionID, lhs.position) < (rhs.transactionID, rhs.position)
    }

    /// The text form `TX:POS`, which ``init(_:)`` parses back.
    public var description: String { "\(transactionID):\(position)" }
}
