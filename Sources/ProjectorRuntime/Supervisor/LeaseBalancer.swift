/// Spreads one `projector run`'s projections over the instances sharing its database (DESIGN.md §6): each instance
/// takes up to its fair share (its projections ÷ the instances present, rounded up) at once, and a free projection
/// beyond that only after ``grace``, so an instance below its share gets it first. An instance above its share
/// (another one started later) hands one projection over at a batch boundary at each check.
///
/// Leases stay the only ownership rule: this only decides when to try one. A projection nobody else takes is taken
/// after the grace whatever the shares, and one handed over that came back is not handed over again, so instances
/// running different projection sets never pass one back and forth.
public actor LeaseBalancer {
    /// How many projections this instance runs.
    let projectionCount: Int
    /// How many instances are present (this one included); errors count as one instance.
    let countInstances: @Sendable () async throws -> Int
    /// How long a projection beyond the share waits before this instance takes it anyway.
    let grace: Duration
    let clock = ContinuousClock()
    /// Projections this instance owns, or is trying the lease of (so supervisors asking together share one count).
    private var owned: Set<String> = []
    private var waitingSince: [String: ContinuousClock.Instant] = [:]
    private var handedOver: Set<String> = []
    private var keep: Set<String> = []
    /// The last instance count and when it was taken.
    private var counted: (instances: Int, at: ContinuousClock.Instant)?
    /// How long an instance count is reused.
    let countInterval: Duration = .milliseconds(500)

    /// A balancer for `projectionCount` projections.
    public init(
        projectionCount: Int, grace: Duration = .seconds(10), countInstances: @escaping @Sendable () async throws -> Int
    ) {
        self.projectionCount = projectionCount
        self.grace = grace
        self.countInstances = countInstances
    }

    /// The most projections this instance should own now.
    func fairShare() async -> Int {
        let instances = max(1, await instanceCount())
        return (projectionCount + instances - 1) / instances
    }

    /// The instances present, counted at most once per ``countInterval``: every supervisor asks at each of its
    /// checks, and one query answers them all.
    private func instanceCount() async -> Int {
        if let counted, clock.now - counted.at < countInterval { return counted.instances }
        let instances = (try? await countInstances()) ?? 1
        counted = (instances, clock.now)
        return instances
    }

    /// True when the supervisor of `projection` should try its lease now; it then counts as owned until
    /// ``released(_:)`` (the lease was not had, or was let go).
    func mayTake(_ projection: String) async -> Bool {
        let share = await fairShare()
        if owned.count < share {
            owned.insert(projection)
            waitingSince[projection] = nil
            return true
        }
        let now = clock.now
        guard let since = waitingSince[projection] else {
            waitingSince[projection] = now
            return false
        }
        guard now - since >= grace else { return false }
        owned.insert(projection)
        return true
    }

    /// Records that this instance owns `projection` (its lease was had).
    func took(_ projection: String) {
        owned.insert(projection)
        waitingSince[projection] = nil
        // Handed over and back again: nobody else runs it, so it stays here.
        if handedOver.remove(projection) != nil { keep.insert(projection) }
    }

    /// Records that this instance does not own `projection` (let it go, or did not get its lease).
    func released(_ projection: String) {
        owned.remove(projection)
    }

    /// True when this instance owns more than its share and `projection` is to be handed over (released, so an
    /// instance below its share takes it). At most one projection per call is handed over.
    func shouldHandOver(_ projection: String) async -> Bool {
        guard owned.contains(projection), !keep.contains(projection) else { return false }
        guard owned.count > (await fairShare()) else { return false }
        owned.remove(projection)
        handedOver.insert(projection)
        return true
    }
}
