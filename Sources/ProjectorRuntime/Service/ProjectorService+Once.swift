import ProjectorCore
import ProjectorPostgres
import Synchronization

extension ProjectorService {
    /// Under `--once`: which of the given projections (standing by here) another instance has taken past the head
    /// — their lease is held, and their checkpoint is at or past the head read at the first call (made when the
    /// service group runs, as the supervisors read theirs) under this definition's version.
    static func caughtUpElsewhere(_ projections: [Projection], database: ProjectorDatabase)
        -> SupervisorsService.CaughtUpElsewhere
    {
        let versions = Dictionary(projections.map { ($0.name, $0.version) }, uniquingKeysWith: { first, _ in first })
        let start = Mutex<(read: Bool, head: EventCursor?)>((false, nil))
        return { names in
            var (read, head) = start.withLock { $0 }
            if !read {
                let cursor: EventCursor?  // nil: the table is empty
                do { cursor = try await database.reader.headCursor() } catch { return [] }
                (read, head) = start.withLock { start in
                    if !start.read { start = (true, cursor) }
                    return start
                }
            }
            guard !names.isEmpty,
                let held = try? await ProjectionLease.held(
                    among: names, client: database.client, logger: database.logger),
                let rows = try? await database.checkpoints.readAll()
            else { return [] }
            let passed = rows.filter { row in
                held.contains(row.projection) && row.projectionVersion == versions[row.projection]
                    && head.map { row.cursor >= $0 } ?? true
            }
            return Set(passed.map(\.projection))
        }
    }
}
