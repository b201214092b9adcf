import JSONText

/// The body of `POST /v1beta/models/{model}:generateContent` (`GenerateContentRequest`).
///
/// Optional members that are `nil` are left out of the JSON.
public struct GenerateContentRequest: Codable, Sendable, Hashable {
    /// Our instructions only; user-supplied material belongs in ``contents``.
    public var systemInstruction: Content?
    /// The conversation so far, oldest first; the last turn is the `user` turn to answer.
    public var contents: [Content]
    /// Sampling, output format, schema and thinking.
    public var generationConfig: GenerationConfig?
    /// Functions the model may call.
    public var tools: [Tool]?
    /// How the model may use ``tools``.
    public var toolConfig: ToolConfig?
    /// Per-category blocking thresholds; the API's defaults apply when `nil`.
    public var safetySettings: [SafetySetting]?

    public init(
        systemInstruction: Content? = nil,
        contents: [Content],
        generationConfig: GenerationConfig? = nil,
        tools: [Tool]? = nil,
        toolConfig: ToolConfig? = nil,
        safetySettings: [SafetySetting]? = nil
    ) {
        self.systemInstruction = systemInstruction
        self.contents = contents
        self.generationConfig = generationConfig
        self.tools = tools
        self.toolConfig = toolConfig
        self.safetySettings = safetySettings
    }
}

/// Generation options (`GenerationConfig`). Every member is optional; `nil` means the model's
/// default.
public struct GenerationConfig: Codable, Sendable, Hashable {
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var candidateCount: Int?
    /// Upper bound on answer tokens; the answer ends with `MAX_TOKENS` when reached.
    public var maxOutputTokens: Int?
    public var stopSequences: [String]?
    /// `text/plain` (the default) or `application/json` for structured output.
    public var responseMimeType: String?
    /// The answer's schema in the API's OpenAPI subset (`type`, `properties`, `required`,
    /// `items`, `enum`, `minItems`, `maxItems`, `minimum`, `maximum`, `nullable`,
    /// `propertyOrdering`, …). Needs `responseMimeType: application/json`.
    public var responseSchema: JSONValue?
    /// The answer's schema as JSON Schema; the alternative to ``responseSchema`` (set one).
    public var responseJsonSchema: JSONValue?
    /// Thinking budget and whether thought summaries are returned.
    public var thinkingConfig: ThinkingConfig?

    public init(
        temperature: Double? = nil,
        topP: Double? = nil,
        topK: Int? = nil,
        candidateCount: Int? = nil,
        maxOutputTokens: Int? = nil,
        stopSequences: [String]? = nil,
        responseMimeType: String? = nil,
        responseSchema: JSONValue? = nil,
        responseJsonSchema: JSONValue? = nil,
        thinkingConfig: ThinkingConfig? = nil
    ) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.candidateCount = candidateCount
        self.maxOutputTokens = maxOutputTokens
        self.stopSequences = stopSequences
        self.responseMimeType = responseMimeType
        self.responseSchema = responseSchema
        self.responseJsonSchema = responseJsonSchema
        self.thinkingConfig = thinkingConfig
    }
}

/// Thinking options (`ThinkingConfig`).
public struct ThinkingConfig: Codable, Sendable, Hashable {
    /// Thinking tokens allowed: `0` turns thinking off (where the model allows it), `-1` lets
    /// the model decide; `nil` is the model's default.
    public var thinkingBudget: Int?
    /// Whether thought summaries come back as parts with `thought: true`.
    public var includeThoughts: Bool?

    public init(thinkingBudget: Int? = nil, includeThoughts: Bool? = nil) {
        self.thinkingBudget = thinkingBudget
        self.includeThoughts = includeThoughts
    }
}

/// Tools the model may use (`Tool`); only function declarations are modelled.
public struct Tool: Codable, Sendable, Hashable {
    public var functionDeclarations: [FunctionDeclaration]?

    public init(functionDeclarations: [FunctionDeclaration]?) {
        self.functionDeclarations = functionDeclarations
    }
}

/// A function the model may call (`FunctionDeclaration`).
public struct FunctionDeclaration: Codable, Sendable, Hashable {
    public var name: String
    public var description: String?
    /// Arguments schema in the API's OpenAPI subset.
    public var parameters: JSONValue?
    /// Arguments schema as JSON Schema; the alternative to ``parameters``.
    public var parametersJsonSchema: JSONValue?

    public init(name: String, description: String? = nil, parameters: JSONValue? = nil, parametersJsonSchema: JSONValue? = nil) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.parametersJsonSchema = parametersJsonSchema
    }
}

/// How the model may use tools (`ToolConfig`).
public struct ToolConfig: Codable, Sendable, Hashable {
    public var functionCallingConfig: FunctionCallingConfig?

    public init(functionCallingConfig: FunctionCallingConfig?) {
        self.functionCallingConfig = functionCallingConfig
    }
}

/// Function-calling mode (`FunctionCallingConfig`).
public struct FunctionCallingConfig: Codable, Sendable, Hashable {
    public var mode: Mode?
    /// With mode `ANY`, the functions the model may choose from.
    public var allowedFunctionNames: [String]?

    public init(mode: Mode?, allowedFunctionNames: [String]? = nil) {
        self.mode = mode
        self.allowedFunctionNames = allowedFunctionNames
    }

    public struct Mode: GeminiOpenEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The model chooses between text and a call (the API's default).
        public static let auto: Mode = "AUTO"
        /// The model must call a function.
        public static let any: Mode = "ANY"
        /// The model must not call functions.
        public static let none: Mode = "NONE"
        /// Like `AUTO`, with calls checked against the declarations.
        public static let validated: Mode = "VALIDATED"
    }
}

/// A blocking threshold for one harm category (`SafetySetting`).
public struct SafetySetting: Codable, Sendable, Hashable {
    public var category: HarmCategory
    public var threshold: Threshold

    public init(category: HarmCategory, threshold: Threshold) {
        self.category = category
        self.threshold = threshold
    }

    public struct Threshold: GeminiOpenEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let blockLowAndAbove: Threshold = "BLOCK_LOW_AND_ABOVE"
        public static let blockMediumAndAbove: Threshold = "BLOCK_MEDIUM_AND_ABOVE"
        public static let blockOnlyHigh: Threshold = "BLOCK_ONLY_HIGH"
        public static let blockNone: Threshold = "BLOCK_NONE"
        public static let off: Threshold = "OFF"
    }
}

/// A harm category (`HarmCategory`).
public struct HarmCategory: GeminiOpenEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let harassment: HarmCategory = "HARM_CATEGORY_HARASSMENT"
    public static let hateSpeech: HarmCategory = "HARM_CATEGORY_HATE_SPEECH"
    public static let sexuallyExplicit: HarmCategory = "HARM_CATEGORY_SEXUALLY_EXPLICIT"
    public static let dangerousContent: HarmCategory = "HARM_CATEGORY_DANGEROUS_CONTENT"
    public static let civicIntegrity: HarmCategory = "HARM_CATEGORY_CIVIC_INTEGRITY"
}
