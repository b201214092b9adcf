import CareerProto
import GeminiAPI
import NIOCore
import RPCRuntime
import ServiceRuntime

/// `NetworkingBrief`: a Markdown brief for a coffee chat (overview, shared touchpoints,
/// conversation starters, industry context, closing ideas), on flash.
struct NetworkingBriefTask: Sendable {
    let runner: ModelRunner
    let systemInstruction: String
    var model = ModelName.flash
    /// Thinking tokens: 256 (a little, to find the touchpoints between the two people).
    static let thinkingBudget = 256
    /// Answer tokens, thinking included: 4,096 (a one-page brief).
    static let maxOutputTokens = 4_096

    func generateContentRequest(_ request: Career_V1_NetworkingRequest) throws -> GenerateContentRequest {
        .text(
            system: self.systemInstruction, data: try networkingData(request),
            temperature: 0.7, thinkingBudget: Self.thinkingBudget, maxOutputTokens: Self.maxOutputTokens
        )
    }

    func run(_ request: Career_V1_NetworkingRequest, context: ServerCallContext) async throws -> Career_V1_TextAnswer {
        let answer = try await self.runner.generateText(
            model: self.model, request: try self.generateContentRequest(request), deadline: callDeadline(context)
        )
        return answer.textAnswer
    }
}

/// The user turn of both networking tasks, after checking the request: the profile and the
/// counterpart information, each in its block.
func networkingData(_ request: Career_V1_NetworkingRequest) throws -> UserData {
    var validation = RequestValidation()
    validation.require(request.hasProfile, field: "profile")
    validation.requireText(request.counterpartInfo, field: "counterpartInfo", limit: InputLimits.longText)
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
