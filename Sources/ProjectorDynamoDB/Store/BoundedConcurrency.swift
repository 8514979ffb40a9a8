/// Runs numbered jobs with at most `limit` of them in flight and collects their results in job order.
enum BoundedConcurrency {
    /// Calls `job(0)`, `job(1)`, … `job(count - 1)`, at most `limit` at a time; the results in index order.
    /// The first error cancels the jobs still running and is rethrown.
    static func map<Result: Sendable>(
        count: Int, limit: Int, _ job: @escaping @Sendable (Int) async throws -> Result
    ) async throws -> [Result] {
        guard count > 0 else { return [] }
        var results = [Result?](repeating: nil, count: count)
        try await withThrowingTaskGroup(of: (Int, Result).self) { group in
            var next = 0
            while next < min(count, max(1, limit)) {
                let index = next
                group.addTask { (index, try await job(index)) }
                next += 1
            }
            while let (index, result) = try await group.next() {
                results[index] = result
                if next < count {
                    let index = next
                    group.addTask { (index, try await job(index)) }
                    next += 1
                }
            }
        }
        return results.compactMap { $0 }
    }
}
