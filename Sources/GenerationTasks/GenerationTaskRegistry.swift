/// Every generation task defined in one value: the gateway serves, documents and accounts for
/// each one listed here, and the generation service answers each. Adding a task: its messages
/// and `rpc` lines in `Proto/career/v1/generation.proto`, its definition in `Tasks/`, and one
/// line here.
public enum GenerationTaskRegistry {
    /// The RPC service every task's methods belong to.
    public static let serviceName = "career.v1.GenerationService"

    /// Markdown answers, unary or streamed (``TextTask``).
    public static let textTasks: [any TextTaskDefinition] = [
        NetworkingTasks.brief,
        NetworkingTasks.reachOut,
        ThankYouNoteTask.definition,
    ]

    /// JSON answers from Gemini's structured output (``StructuredTask``).
    public static let structuredTasks: [any StructuredTaskDefinition] = [
        ParseProfileTask.definition,
        AnalyzeApplicationTask.definition,
        PlanCareerPathTask.definition,
        InterviewQuestionsTask.definition,
    ]
}
