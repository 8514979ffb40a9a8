import ProjectorCore

extension ProjectionSupervisor: CustomStringConvertible {
    /// Names the projection only: ServiceLifecycle logs its services with `description`, and the
    /// default dump would print the whole configuration and every client with it.
    public var description: String { "ProjectionSupervisor(\(projection.name))" }
}
