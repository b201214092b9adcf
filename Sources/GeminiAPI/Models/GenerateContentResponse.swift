/// The answer of `generateContent` (`GenerateContentResponse`). Members the API adds later are
/// ignored.
public struct GenerateContentResponse: Codable, Sendable, Hashable {
    /// The answers; none when the prompt was blocked (see ``promptFeedback``).
    public var candidates: [Candidate]?
    /// Why the prompt was blocked, when it was.
    public var promptFeedback: PromptFeedback?
    /// Token counts.
    public var usageMetadata: UsageMetadata?
    /// The model version that answered.
    public var modelVersion: String?
    /// Identifies this response.
    public var responseId: String?

    public init(
        candidates: [Candidate]? = nil,
        promptFeedback: PromptFeedback? = nil,
        usageMetadata: UsageMetadata? = nil,
        modelVersion: String? = nil,
        responseId: String? = nil
    ) {
        self.candidates = candidates
        self.promptFeedback = promptFeedback
        self.usageMetadata = usageMetadata
        self.modelVersion = modelVersion
        self.responseId = responseId
    }
}

/// One answer (`Candidate`).
public struct Candidate: Codable, Sendable, Hashable {
    public var content: Content?
    /// Why generation stopped; `STOP` is a natural end.
    public var finishReason: FinishReason?
    public var safetyRatings: [SafetyRating]?
    public var index: Int?

    public init(content: Content?, finishReason: FinishReason? = nil, safetyRatings: [SafetyRating]? = nil, index: Int? = nil) {
        self.content = content
        self.finishReason = finishReason
        self.safetyRatings = safetyRatings
        self.index = index
    }
}

/// Why generation stopped (`FinishReason`).
public struct FinishReason: GeminiOpenEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let stop: FinishReason = "STOP"
    public static let maxTokens: FinishReason = "MAX_TOKENS"
    public static let safety: FinishReason = "SAFETY"
    public static let recitation: FinishReason = "RECITATION"
    public static let language: FinishReason = "LANGUAGE"
    public static let other: FinishReason = "OTHER"
    public static let blocklist: FinishReason = "BLOCKLIST"
    public static let prohibitedContent: FinishReason = "PROHIBITED_CONTENT"
    public static let spii: FinishReason = "SPII"
    public static let malformedFunctionCall: FinishReason = "MALFORMED_FUNCTION_CALL"

    /// The reasons that mean the answer was withheld for safety or policy.
    public static let contentBlocking: Set<FinishReason> = [.safety, .prohibitedContent, .blocklist, .spii, .recitation]
}

/// Safety assessment of one harm category (`SafetyRating`).
public struct SafetyRating: Codable, Sendable, Hashable {
    public var category: HarmCategory
    /// `NEGLIGIBLE`, `LOW`, `MEDIUM` or `HIGH`.
    public var probability: String?
    public var blocked: Bool?

    public init(category: HarmCategory, probability: String? = nil, blocked: Bool? = nil) {
        self.category = category
        self.probability = probability
        self.blocked = blocked
    }
}

/// Feedback on the prompt (`PromptFeedback`).
public struct PromptFeedback: Codable, Sendable, Hashable {
    /// Set when the prompt was blocked and no candidates were generated.
    public var blockReason: BlockReason?
    public var safetyRatings: [SafetyRating]?

    public init(blockReason: BlockReason? = nil, safetyRatings: [SafetyRating]? = nil) {
        self.blockReason = blockReason
        self.safetyRatings = safetyRatings
    }

    public struct BlockReason: GeminiOpenEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let safety: BlockReason = "SAFETY"
        public static let other: BlockReason = "OTHER"
        public static let blocklist: BlockReason = "BLOCKLIST"
        public static let prohibitedContent: BlockReason = "PROHIBITED_CONTENT"
    }
}

/// Token counts of one call (`UsageMetadata`).
public struct UsageMetadata: Codable, Sendable, Hashable {
    public var promptTokenCount: Int?
    public var candidatesTokenCount: Int?
    public var thoughtsTokenCount: Int?
    public var totalTokenCount: Int?
    public var cachedContentTokenCount: Int?
    public var toolUsePromptTokenCount: Int?

    public init(
        promptTokenCount: Int? = nil,
        candidatesTokenCount: Int? = nil,
        thoughtsTokenCount: Int? = nil,
        totalTokenCount: Int? = nil,
        cachedContentTokenCount: Int? = nil,
        toolUsePromptTokenCount: Int? = nil
    ) {
        self.promptTokenCount = promptTokenCount
        self.candidatesTokenCount = candidatesTokenCount
        self.thoughtsTokenCount = thoughtsTokenCount
        self.totalTokenCount = totalTokenCount
        self.cachedContentTokenCount = cachedContentTokenCount
        self.toolUsePromptTokenCount = toolUsePromptTokenCount
    }
}

/// Token usage in the product's terms; sums over several calls with `+`.
public struct GeminiUsage: Sendable, Hashable, Codable {
    public var promptTokens: Int
    public var outputTokens: Int
    public var thoughtsTokens: Int
    public var totalTokens: Int

    public init(promptTokens: Int = 0, outputTokens: Int = 0, thoughtsTokens: Int = 0, totalTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.outputTokens = outputTokens
        self.thoughtsTokens = thoughtsTokens
        self.totalTokens = totalTokens
    }

    public static let zero = GeminiUsage()

    public static func + (lhs: GeminiUsage, rhs: GeminiUsage) -> GeminiUsage {
        GeminiUsage(
            promptTokens: lhs.promptTokens + rhs.promptTokens,
            outputTokens: lhs.outputTokens + rhs.outputTokens,
            thoughtsTokens: lhs.thoughtsTokens + rhs.thoughtsTokens,
            totalTokens: lhs.totalTokens + rhs.totalTokens
        )
    }

    public static func += (lhs: inout GeminiUsage, rhs: GeminiUsage) { lhs = lhs + rhs }
}

extension GenerateContentResponse {
    /// The first candidate's answer text: its non-thought text parts joined; `nil` when it has
    /// none.
    public var text: String? {
        let texts = (candidates?.first?.content?.parts ?? []).compactMap { $0.isThought ? nil : $0.text }
        return texts.isEmpty ? nil : texts.joined()
    }

    /// The first candidate's thought summaries joined; `nil` when it has none.
    public var thoughtText: String? {
        let texts = (candidates?.first?.content?.parts ?? []).compactMap { $0.isThought ? $0.text : nil }
        return texts.isEmpty ? nil : texts.joined()
    }

    /// The function calls in the first candidate, in order.
    public var functionCalls: [FunctionCall] {
        (candidates?.first?.content?.parts ?? []).compactMap(\.functionCall)
    }

    /// Token usage; zeros for counts the API left out. `totalTokens` is the API's total, or
    /// the sum of the others when it sent none.
    public var usage: GeminiUsage {
        let prompt = usageMetadata?.promptTokenCount ?? 0
        let output = usageMetadata?.candidatesTokenCount ?? 0
        let thoughts = usageMetadata?.thoughtsTokenCount ?? 0
        return GeminiUsage(
            promptTokens: prompt,
            outputTokens: output,
            thoughtsTokens: thoughts,
            totalTokens: usageMetadata?.totalTokenCount ?? (prompt + output + thoughts)
        )
    }

    /// Checks that the response holds a usable answer, as ``GeminiClient/generateContent(model:request:deadline:)``
    /// does before returning it.
    ///
    /// - Throws: ``GeminiError`` `contentBlocked` when the prompt was blocked or the first
    ///   candidate ended for safety or policy (``FinishReason/contentBlocking``);
    ///   `outputTruncated` when it ended with `MAX_TOKENS`; `malformedResponse` when it ended
    ///   with `MALFORMED_FUNCTION_CALL`; `emptyAnswer` when there is no
    ///   candidate, or no answer text and no function call.
    public func validate() throws(GeminiError) {
        if let blockReason = promptFeedback?.blockReason {
            throw GeminiError(kind: .contentBlocked, blockReason: blockReason.rawValue)
        }
        guard let candidate = candidates?.first else {
            throw GeminiError(kind: .emptyAnswer)
        }
        if let finishReason = candidate.finishReason {
            if FinishReason.contentBlocking.contains(finishReason) {
                throw GeminiError(kind: .contentBlocked, finishReason: finishReason.rawValue)
            }
            if finishReason == .maxTokens {
                throw GeminiError(kind: .outputTruncated, finishReason: finishReason.rawValue)
            }
            if finishReason == .malformedFunctionCall {
                throw GeminiError(kind: .malformedResponse, finishReason: finishReason.rawValue)
            }
        }
        let parts = candidate.content?.parts ?? []
        let hasAnswer = parts.contains { part in
            part.functionCall != nil || (!part.isThought && !(part.text ?? "").isEmpty)
        }
        guard hasAnswer else {
            throw GeminiError(kind: .emptyAnswer, finishReason: candidate.finishReason?.rawValue)
        }
    }
}
