import AppSupport
import GenerationTasks
import ServiceRuntime
import TaskContract

/// Which model answers each task: its definition's tier (flash for simple, high-volume work;
/// pro for analysis, career paths and documents in thinking mode), each overridable by its
/// `MODEL_<TASK>` setting, for example to try a task on `gemini-2.5-flash-lite` or to move
/// analysis to flash when pro quota runs short.
public struct GenerationModels: Sendable, Equatable {
    /// Documents on flash (`MODEL_DOCUMENTS`) and with `thinkingMode` (`MODEL_DOCUMENTS_THINKING`).
    public var documents = ModelTier.flash.defaultModel
    public var documentsThinking = ModelTier.pro.defaultModel
    /// The model of each defined task (``GenerationTaskRegistry``), by task name.
    public var tasks: [String: String] = Dictionary(
        uniqueKeysWithValues: GenerationTaskRegistry.structuredTasks.map { ($0.name, $0.tier.defaultModel) }
            + GenerationTaskRegistry.textTasks.map { ($0.name, $0.tier.defaultModel) }
    )

    public init() {}

    /// Reads the `MODEL_<TASK>` overrides. A model name goes into the request path, so only
    /// Gemini's model-name characters are accepted.
    public init(reader: ConfigurationReader) throws(ConfigurationError) {
        for (variable, tier) in DocumentsTask.modelSettings {
            let model = try ModelName.read(variable, default: tier.defaultModel, from: reader)
            if tier == .pro { self.documentsThinking = model } else { self.documents = model }
        }
        for task in GenerationTaskRegistry.structuredTasks {
            self.tasks[task.name] = try ModelName.read(task.modelSetting, default: task.tier.defaultModel, from: reader)
        }
        for task in GenerationTaskRegistry.textTasks {
            self.tasks[task.name] = try ModelName.read(task.modelSetting, default: task.tier.defaultModel, from: reader)
        }
    }

    /// The model of the task named `name`.
    func model(of name: String, tier: ModelTier) -> String {
        self.tasks[name] ?? tier.defaultModel
    }
}
