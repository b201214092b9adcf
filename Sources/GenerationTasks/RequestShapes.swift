import TaskContract

/// Every request shape of the generation service that the API reference documents, by its
/// message's name.
public enum RequestShapes {
    public static let all: [(messageName: String, shape: ObjectShape)] =
        [DocumentsTask.request.documented] + GenerationTaskRegistry.structuredTasks.map(\.documentedRequest)
}
