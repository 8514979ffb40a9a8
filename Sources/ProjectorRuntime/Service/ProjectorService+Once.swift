import ProjectorCore
import ProjectorPostgres
import Synchronization

extension ProjectorService {
    /// Under `--once`: which of the given projections are done without this instance — all of them when the table
    /// was empty at the first call (made when the service group runs, as the supervisors read their head; nothing
    /// to catch up with); else, when they all stand by here, those another instance took past that head (their
    /// lease is held, their checkpoint at or past it under this definition's version).
    static func caughtUpElsewhere(_ projections: [Projection], database: ProjectorDatabase)
        -> SupervisorsService.CaughtUpElsewhere
    {
        let versions = Dictionary(projections.map { ($0.name, $0.version) }, uniquingKeysWith: { first, _ in first })
        let start = Mutex<(read: Bool, head: EventCursor?)>((false, nil))
        return { names, allStandingBy in
            var (read, head) = start.withLock { $0 }
            if !read {
                let cursor: EventCursor?  // nil: the table is empty
                do { cursor = try await database.reader.headCursor() } catch { return [] }
                (read, head) = start.withLock { start in
                    if !start.read { start = (true, cursor) }
                    return start
                }
            }
            guard let head else { return Set(names) }
            guard allStandingBy, !names.isEmpty,
                let held = try? await ProjectionLease.held(
                    among: names, client: database.client, logger: database.logger),
                let rows = try? await database.checkpoints.readAll()
            else { return [] }
            let passed = rows.filter { row in
                held.contains(row.projection) && row.projectionVersion == versions[row.projection]
                    && row.cursor >= head
            }
            return Set(passed.map(\.projection))
        }
    }
}
