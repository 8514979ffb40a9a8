/// Logger metadata keys of the runtime, dotted and namespaced.
enum LogKey {
    static let projection = "projector.projection"
    static let position = "projector.position"
    static let documentKey = "projector.document_key"
    static let error = "projector.error"
    static let state = "projector.state"
    static let owner = "projector.owner"
    static let events = "projector.events"
}
