import AppSupport
import GenerationTasks
import ServiceRuntime

/// Which model answers each task: the spec's choice (flash for simple, high-volume work; pro for
/// analysis, career paths and documents in thinking mode), each overridable by configuration,
/// for example to try a task on `gemini-2.5-flash-lite` or to move analysis to flash when pro
/// quota runs short.
public struct GenerationModels: Sendable, Equatable {
    public var documents = ModelName.flash
    public var documentsThinking = ModelName.pro
    public var parseProfile = ModelName.flash
    public var analyzeApplication = ModelName.pro
    public var careerPath = ModelName.pro
    public var interviewQuestions = ModelName.flash
    /// The model of each text task (``GenerationTaskRegistry``), by task name: its tier's model
    /// unless its `MODEL_<TASK>` setting names another.
    public var textTasks: [String: String] = Dictionary(
        uniqueKeysWithValues: GenerationTaskRegistry.textTasks.map { ($0.name, $0.tier.defaultModel) }
    )

    public init() {}

    /// The settings, one per task, with the spec's model when unset. (Key paths are immutable
    /// values; the array is never written.)
    nonisolated(unsafe) static let settings: [(variable: String, keyPath: WritableKeyPath<GenerationModels, String>)] = [
        ("MODEL_DOCUMENTS", \.documents),
        ("MODEL_DOCUMENTS_THINKING", \.documentsThinking),
        ("MODEL_PARSE_PROFILE", \.parseProfile),
        ("MODEL_ANALYZE_APPLICATION", \.analyzeApplication),
        ("MODEL_CAREER_PATH", \.careerPath),
        ("MODEL_INTERVIEW_QUESTIONS", \.interviewQuestions),
    ]

    /// Reads `MODEL_<TASK>` overrides. A model name goes into the request path, so only
    /// Gemini's model-name characters are accepted.
    public init(reader: ConfigurationReader) throws(ConfigurationError) {
        for (variable, keyPath) in Self.settings {
            self[keyPath: keyPath] = try ModelName.read(variable, default: self[keyPath: keyPath], from: reader)
        }
        for task in GenerationTaskRegistry.textTasks {
            self.textTasks[task.name] = try ModelName.read(task.modelSetting, default: task.tier.defaultModel, from: reader)
        }
    }
}
