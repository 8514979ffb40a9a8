public import ProjectorCore

/// One projection's row in `<schema>.checkpoints`.
public struct Checkpoint: Sendable, Hashable {
    /// The projection's name (the row's key).
    public var projection: String
    /// Every event up to and including this cursor has been applied and confirmed by the sink.
    public var cursor: EventCursor
    /// The definition version the view was built with.
    public var projectionVersion: Int
    /// Free-form state the runtime reports (`running`, `stopped`, `failed`, `rebuilding`…).
    public var state: String
    /// The instance that holds (or last held) the lease.
    public var owner: String?
    /// Incremented on every lease acquisition; checkpoint writes must carry the current one.
    public var leaseEpoch: Int64
    /// Set by `projector pause`; the owner stops reading while it is true.
    public var paused: Bool
    /// The last error that stopped the projection (one line, no document bodies).
    public var lastError: String?
    /// Cursor text of the event the last error happened at.
    public var errorPosition: String?
    /// Runtime-owned JSON (e.g. the physical index a rebuild writes to).
    public var metadata: JSONValue
    /// Last change, RFC 3339.
    public var updatedAt: String

    /// Creates a row; the defaults describe a projection that has not run (`idle`, at the start).
    public init(
        projection: String,
        cursor: EventCursor = .start,
        projectionVersion: Int = 0,
        state: String = "idle",
        owner: String? = nil,
        leaseEpoch: Int64 = 0,
        paused: Bool = false,
        lastError: String? = nil,
        errorPosition: String? = nil,
        metadata: JSONValue = .object(JSONObject()),
        updatedAt: String = ""
    ) {
        self.projection = projection
        self.cursor = cursor
        self.projectionVersion = projectionVersion
        self.state = state
        self.owner = owner
        self.leaseEpoch = leaseEpoch
        self.paused = paused
        self.lastError = lastError
        self.errorPosition = errorPosition
        self.metadata = metadata
        self.updatedAt = updatedAt
    }
}
