/// Every generation task defined in one value (``TextTask``): the gateway serves, documents and
/// accounts for each one listed here, and the generation service answers each. Adding a task of
/// this kind: its request message and two `rpc` lines in `Proto/career/v1/generation.proto`,
/// its definition in `Tasks/`, and one line here.
public enum GenerationTaskRegistry {
    /// The RPC service every task's methods belong to.
    public static let serviceName = "career.v1.GenerationService"

    public static let textTasks: [any TextTaskDefinition] = [
        NetworkingTasks.brief,
        NetworkingTasks.reachOut,
        ThankYouNoteTask.definition,
    ]
}
