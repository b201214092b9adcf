import CareerProto
import GeminiAPI
import NIOCore
import RPCRuntime
import ServiceRuntime
import TaskContract

/// The two networking tasks, `NetworkingBrief` and `ReachOut`: the same input (a profile and
/// what the user knows of the counterpart) and a Markdown answer, unary or streamed, with
/// their own prompt and budgets.
struct NetworkingTextTask: Sendable {
    let runner: ModelRunner
    let systemInstruction: String
    var model: String
    let temperature: Double
    let thinkingBudget: Int
    let maxOutputTokens: Int

    /// A Markdown brief for a coffee chat (overview, shared touchpoints, conversation
    /// starters, industry context, closing ideas), on flash.
    static func networkingBrief(runner: ModelRunner, systemInstruction: String, model: String = ModelName.flash) -> Self {
        // 256 thinking tokens: a little, to find the touchpoints between the two people;
        // 4,096 answer tokens, thinking included: a one-page brief.
        Self(runner: runner, systemInstruction: systemInstruction, model: model, temperature: 0.7, thinkingBudget: 256, maxOutputTokens: 4_096)
    }

    /// A short outreach message asking the counterpart for a conversation, on flash.
    static func reachOut(runner: ModelRunner, systemInstruction: String, model: String = ModelName.flash) -> Self {
        // No thinking: a short message needs none; 1,024 tokens: the message is under 200 words.
        Self(runner: runner, systemInstruction: systemInstruction, model: model, temperature: 0.8, thinkingBudget: 0, maxOutputTokens: 1_024)
    }

    func generateContentRequest(_ request: Career_V1_NetworkingRequest) throws -> GenerateContentRequest {
        .text(
            system: self.systemInstruction, data: try networkingData(request),
            temperature: self.temperature, thinkingBudget: self.thinkingBudget, maxOutputTokens: self.maxOutputTokens
        )
    }

    func run(_ request: Career_V1_NetworkingRequest, context: ServerCallContext) async throws -> Career_V1_TextAnswer {
        let answer = try await self.runner.generateText(
            model: self.model, request: try self.generateContentRequest(request), deadline: callDeadline(context)
        )
        return answer.textAnswer
    }

    /// The streamed variant: the text as it comes, then `done` with what ``run(_:context:)``
    /// would have answered.
    func stream(_ request: Career_V1_NetworkingRequest, writer: ResponseWriter<Career_V1_TextStreamEvent>, context: ServerCallContext) async throws {
        let answer = try await self.runner.streamText(
            model: self.model, request: try self.generateContentRequest(request), deadline: callDeadline(context)
        ) { delta in
            try await writer.write(.with { $0.delta = .with { $0.text = delta } })
        }
        try await writer.write(.with { $0.done = answer.textAnswer })
    }
}

/// The user turn of both networking tasks, after checking the request: the profile and the
/// counterpart information, each in its block.
func networkingData(_ request: Career_V1_NetworkingRequest) throws -> UserData {
    var validation = RequestValidation()
    validation.require(request.hasProfile, field: "profile")
    validation.requireText(request.counterpartInfo, field: "counterpartInfo", limit: InputLimits.maxLongTextLength)
    try validation.check()
    var data = UserData()
    data.add(profile: request.profile)
    data.add("counterpart_info", request.counterpartInfo)
    return data
}

extension ModelAnswer<String> {
    var textAnswer: Career_V1_TextAnswer {
        .with {
            $0.text = self.value
            $0.model = self.model
            $0.usage = self.usage.proto
        }
    }
}
