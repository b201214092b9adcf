import AppSupport
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
    public var networkingBrief = ModelName.flash
    public var reachOut = ModelName.flash
    public var interviewQuestions = ModelName.flash

    public init() {}

    /// The settings, one per task, with the spec's model when unset. (Key paths are immutable
    /// values; the array is never written.)
    nonisolated(unsafe) static let settings: [(variable: String, keyPath: WritableKeyPath<GenerationModels, String>)] = [
        ("MODEL_DOCUMENTS", \.documents),
        ("MODEL_DOCUMENTS_THINKING", \.documentsThinking),
        ("MODEL_PARSE_PROFILE", \.parseProfile),
        ("MODEL_ANALYZE_APPLICATION", \.analyzeApplication),
        ("MODEL_CAREER_PATH", \.careerPath),
        ("MODEL_NETWORKING_BRIEF", \.networkingBrief),
        ("MODEL_REACH_OUT", \.reachOut),
        ("MODEL_INTERVIEW_QUESTIONS", \.interviewQuestions),
    ]

    /// Reads `MODEL_<TASK>` overrides. A model name goes into the request path, so only
    /// Gemini's model-name characters are accepted.
    public init(reader: ConfigurationReader) throws(ConfigurationError) {
        for (variable, keyPath) in Self.settings {
            guard let value = reader.string(variable) else { continue }
            guard Self.isModelName(value) else {
                throw ConfigurationError(setting: variable, problem: "must be a Gemini model name such as gemini-2.5-flash")
            }
            self[keyPath: keyPath] = value
        }
    }

    static func isModelName(_ value: String) -> Bool {
        let isLetterOrDigit: (Unicode.Scalar) -> Bool = { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        guard let first = value.unicodeScalars.first, isLetterOrDigit(first), value.count <= 100 else { return false }
        return value.unicodeScalars.allSatisfy { isLetterOrDigit($0) || $0 == "." || $0 == "-" }
    }
}
