import CareerProto
import GeminiAPI
import NIOCore
import RPCRuntime
import ServiceRuntime

/// `ReachOut`: a short outreach message asking the counterpart for a conversation, on flash.
struct ReachOutTask: Sendable {
    let runner: ModelRunner
    let systemInstruction: String
    var model = ModelName.flash
    /// Thinking tokens: 0 (a short message needs none).
    static let thinkingBudget = 0
    /// Answer tokens: 1,024 (the message is under 200 words).
    static let maxOutputTokens = 1_024

    func generateContentRequest(_ request: Career_V1_NetworkingRequest) throws -> GenerateContentRequest {
        .text(
            system: self.systemInstruction, data: try networkingData(request),
            temperature: 0.8, thinkingBudget: Self.thinkingBudget, maxOutputTokens: Self.maxOutputTokens
        )
    }

    func run(_ request: Career_V1_NetworkingRequest, context: ServerCallContext) async throws -> Career_V1_TextAnswer {
        let answer = try await self.runner.generateText(
            model: self.model, request: try self.generateContentRequest(request), deadline: callDeadline(context)
        )
        return answer.textAnswer
    }
}
