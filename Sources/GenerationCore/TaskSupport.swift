import CareerProto
import Foundation
import GeminiAPI
import NIOCore
import RPCRuntime
import ServiceRuntime

/// Bounds on what the tasks accept, as the HTTP API states them. The gateway enforces them
/// first; the service checks again because other backend services call it directly.
enum InputLimits {
    /// The long texts (`jobDescription`, `text`, `resumeText`, `counterpartInfo`,
    /// `uploadedResume`, `uploadedCoverLetter`): 20,000 characters.
    static let longText = 20_000
    /// Short free-text options (`tone`, `resumeLength`, `coverLetterLength`): 100 characters.
    static let shortOption = 100
    /// Roles in a career path request (`currentRole`, `targetRole`): 5,000 characters, the
    /// limit of a profile string.
    static let field = 5_000
}

/// When no deadline came with the call: 120 s, the gateway's default `CALL_TIMEOUT_SECONDS`.
func callDeadline(_ context: ServerCallContext) -> NIODeadline {
    context.deadline ?? .now() + .seconds(120)
}

/// Collects every invalid field of a request, named as the HTTP API names them
/// (`options.jobDescription`, `currentRole`), then refuses the request with all of them.
struct RequestValidation {
    private(set) var violations: [RPCError.FieldViolation] = []

    /// `value` must hold more than whitespace and be at most `limit` characters.
    mutating func requireText(_ value: String, field: String, limit: Int) {
        if value.isBlank {
            self.violations.append(.init(field: field, issue: "is required"))
        } else {
            self.limit(value, field: field, to: limit)
        }
    }

    /// An optional text: at most `limit` characters.
    mutating func limit(_ value: String, field: String, to limit: Int) {
        if value.count > limit {
            self.violations.append(.init(field: field, issue: "must be at most \(limit) characters"))
        }
    }

    mutating func require(_ present: Bool, field: String) {
        if !present { self.violations.append(.init(field: field, issue: "is required")) }
    }

    mutating func add(field: String, issue: String) {
        self.violations.append(.init(field: field, issue: issue))
    }

    /// Throws `INVALID_ARGUMENT` naming every violation, when there is one.
    func check() throws(RPCError) {
        guard let first = self.violations.first else { return }
        let message = self.violations.count == 1
            ? "\(first.field) \(first.issue)"
            : "\(self.violations.count) fields are invalid, first \(first.field) \(first.issue)"
        throw RPCError(code: .invalidArgument, message: message, fieldViolations: self.violations)
    }
}

extension String {
    var isBlank: Bool { self.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
}

extension GenerateContentRequest {
    /// A request for a Markdown answer.
    static func text(
        system: String, data: UserData, temperature: Double, thinkingBudget: Int, maxOutputTokens: Int
    ) -> GenerateContentRequest {
        .make(system: system, data: data, schema: nil, temperature: temperature, thinkingBudget: thinkingBudget, maxOutputTokens: maxOutputTokens)
    }

    /// A request for a structured answer following `schema`.
    static func structured(
        system: String, data: UserData, schema: JSONValue, temperature: Double, thinkingBudget: Int, maxOutputTokens: Int
    ) -> GenerateContentRequest {
        .make(system: system, data: data, schema: schema, temperature: temperature, thinkingBudget: thinkingBudget, maxOutputTokens: maxOutputTokens)
    }

    /// Our instructions in the system instruction, the user's data in the one user turn.
    private static func make(
        system: String, data: UserData, schema: JSONValue?, temperature: Double, thinkingBudget: Int, maxOutputTokens: Int
    ) -> GenerateContentRequest {
        GenerateContentRequest(
            systemInstruction: Content(role: nil, text: system),
            contents: [Content(role: .user, text: data.text)],
            generationConfig: GenerationConfig(
                temperature: temperature,
                maxOutputTokens: maxOutputTokens,
                responseMimeType: schema == nil ? nil : "application/json",
                responseSchema: schema,
                thinkingConfig: ThinkingConfig(thinkingBudget: thinkingBudget)
            )
        )
    }
}

extension ModelRunner {
    /// A Markdown answer. The client already refuses an answer with no text (`EMPTY_ANSWER`);
    /// this also refuses one that is only whitespace, with the same reason.
    func generateText(model: String, request: GenerateContentRequest, deadline: NIODeadline) async throws -> ModelAnswer<String> {
        let answer = try await self.generate(model: model, request: request, deadline: deadline)
        return try ModelAnswer(value: nonEmptyText(answer.value.text), model: answer.model, usage: answer.usage)
    }

    /// A Markdown answer streamed: each piece of text goes to `onText` as Gemini sends it; the
    /// whole answer comes back checked like ``generateText(model:request:deadline:)``'s.
    func streamText(
        model: String, request: GenerateContentRequest, deadline: NIODeadline, onText: (String) async throws -> Void
    ) async throws -> ModelAnswer<String> {
        let answer = try await self.generateStreaming(model: model, request: request, deadline: deadline, onText: onText)
        return try ModelAnswer(value: nonEmptyText(answer.value.text), model: answer.model, usage: answer.usage)
    }
}

/// The answer text, or `INTERNAL` with reason `EMPTY_ANSWER` when it holds nothing but
/// whitespace.
func nonEmptyText(_ text: String?) throws(RPCError) -> String {
    guard let text, !text.isBlank else {
        throw RPCError(code: .internal, message: "Gemini returned no answer", reason: "EMPTY_ANSWER")
    }
    return text.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Small builders for response schemas in Gemini's OpenAPI subset. Objects list every property
/// in `propertyOrdering` (Gemini answers in that order) and, unless told otherwise, require them all.
enum Schema {
    static let string: JSONValue = ["type": "STRING"]

    static func integer(minimum: Int, maximum: Int) -> JSONValue {
        ["type": "INTEGER", "minimum": .number(Double(minimum)), "maximum": .number(Double(maximum))]
    }

    static func array(of items: JSONValue, minItems: Int? = nil, maxItems: Int? = nil) -> JSONValue {
        var schema: [String: JSONValue] = ["type": "ARRAY", "items": items]
        if let minItems { schema["minItems"] = .number(Double(minItems)) }
        if let maxItems { schema["maxItems"] = .number(Double(maxItems)) }
        return .object(schema)
    }

    static func object(_ properties: KeyValuePairs<String, JSONValue>, required: [String]? = nil) -> JSONValue {
        let names = properties.map(\.key)
        return .object([
            "type": "OBJECT",
            "properties": .object(Dictionary(uniqueKeysWithValues: properties.map { ($0.key, $0.value) })),
            "required": .array((required ?? names).map(JSONValue.string)),
            "propertyOrdering": .array(names.map(JSONValue.string)),
        ])
    }
}
