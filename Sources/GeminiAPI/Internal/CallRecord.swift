import Logging

/// What every call records when it ends, unary or streaming: the metric by model and outcome,
/// tokens, and one debug line. The model label is the model's name, or "invalid" for a name
/// that is not one (so a label never carries arbitrary caller text).
struct CallRecord {
    let modelName: String
    let modelLabel: String
    var logger: Logger
    private let isValidModel: Bool
    private let metrics: GeminiMetrics
    private let started = ContinuousClock.now

    init(model: String, logger: Logger, metrics: GeminiMetrics, streaming: Bool = false) {
        self.modelName = model.hasPrefix("models/") ? String(model.dropFirst("models/".count)) : model
        self.isValidModel = GeminiClient.isValidModelName(self.modelName)
        self.modelLabel = self.isValidModel ? self.modelName : "invalid"
        self.metrics = metrics
        self.logger = logger
        self.logger[metadataKey: "gemini.model"] = "\(self.modelLabel)"
        if streaming { self.logger[metadataKey: "gemini.stream"] = "true" }
    }

    func validModelName() throws(GeminiError) -> String {
        guard self.isValidModel else { throw GeminiError(kind: .invalidRequest, detail: "the model name is not valid") }
        return self.modelName
    }

    func succeeded(usage: GeminiUsage, metadata: Logger.Metadata = [:]) {
        self.metrics.recordCall(model: self.modelLabel, outcome: "ok", durationNanoseconds: (ContinuousClock.now - self.started).nanoseconds)
        self.metrics.recordTokens(model: self.modelLabel, usage: usage)
        self.logger.debug("gemini call succeeded", metadata: metadata.merging(["gemini.outcome": "ok"]) { _, new in new })
    }

    /// Records the failure and returns it as the client's error type.
    func failed(_ error: any Error, metadata: Logger.Metadata = [:]) -> GeminiError {
        let geminiError = error as? GeminiError ?? GeminiError(kind: .malformedResponse)
        self.metrics.recordCall(model: self.modelLabel, outcome: geminiError.kind.name, durationNanoseconds: (ContinuousClock.now - self.started).nanoseconds)
        self.logger.debug(
            "gemini call failed",
            metadata: metadata.merging([
                "gemini.outcome": "\(geminiError.kind.name)",
                "gemini.code": "\(geminiError.code.name)",
                "gemini.attempts": "\(geminiError.attempts)",
            ]) { _, new in new }
        )
        return geminiError
    }
}

extension GeminiClient {
    /// Model names are plain identifiers (`gemini-2.5-flash`): letters, digits, `.`, `-`, `_`,
    /// at most 128 characters. Anything else is refused before a request is made.
    static func isValidModelName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128
            && name.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-"
                    || $0 == "_"
            }
    }
}
