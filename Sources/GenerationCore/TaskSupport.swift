import CareerProto
import Foundation
import GeminiAPI
import JSONText
import NIOCore
import RPCRuntime
import ServiceRuntime
import TaskContract

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

/// The answer text exactly as the model wrote it (not trimmed: a streamed answer's deltas must
/// add up to it byte for byte), or `INTERNAL` with reason `EMPTY_ANSWER` when it holds nothing
/// but whitespace.
func nonEmptyText(_ text: String?) throws(RPCError) -> String {
    guard let text, !text.isBlank else {
        throw RPCError(code: .internal, message: "Gemini returned no answer", reason: "EMPTY_ANSWER")
    }
    return text
}
