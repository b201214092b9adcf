import CareerProto
import GeminiAPI
import GenerationTasks
import JSONText
import NIOCore
import RPCRuntime
import ServiceRuntime
import TaskContract

/// `PlanCareerPath`: milestones from the current role to the target role, on pro. The coach
/// service calls it too, when the coach plans a path.
struct PlanCareerPathTask: Sendable {
    let runner: ModelRunner
    let systemInstruction: String
    var model = ModelName.pro
    /// Thinking tokens: 1,024 (sequencing a multi-year plan is reasoning work).
    static let thinkingBudget = 1_024
    /// Answer tokens, thinking included: 8,192 (six milestones with their action items).
    static let maxOutputTokens = 8_192
    /// Milestones in a path: 3 to 6.
    static let milestones = 3...6

    /// The path only: the answer's roles are the request's, as the user typed them.
    static let schema: JSONValue = Schema.object([
        "path": Schema.array(
            of: Schema.object([
                "timeframe": Schema.string,
                "milestoneTitle": Schema.string,
                "milestoneDescription": Schema.string,
                "actionItems": Schema.array(
                    of: Schema.object(["category": Schema.string, "title": Schema.string, "description": Schema.string]),
                    minItems: 1, maxItems: 6
                ),
            ]),
            minItems: milestones.lowerBound, maxItems: milestones.upperBound
        ),
    ])

    func generateContentRequest(_ request: Career_V1_CareerPathRequest) throws -> GenerateContentRequest {
        try RequestShapes.careerPath.checkOnArrival(request)

        var data = UserData()
        data.add(profile: request.profile)
        data.add("current_role", request.currentRole)
        data.add("target_role", request.targetRole)
        return .structured(
            system: self.systemInstruction, data: data, schema: Self.schema,
            temperature: 0.5, thinkingBudget: Self.thinkingBudget, maxOutputTokens: Self.maxOutputTokens
        )
    }

    func run(_ request: Career_V1_CareerPathRequest, context: ServerCallContext) async throws -> Career_V1_CareerPathResponse {
        let generateRequest = try self.generateContentRequest(request)
        let answer = try await self.runner.generateJSON(
            model: self.model, request: generateRequest, schema: Self.schema, deadline: callDeadline(context)
        ) { json -> [Career_V1_CareerMilestone] in
            try (json["path"]?.arrayValue ?? []).map { item in
                let title = item["milestoneTitle"]?.stringValue ?? ""
                guard !title.isBlank else { throw GeminiError.malformedModelOutput("a milestone has no title") }
                return Career_V1_CareerMilestone.with {
                    $0.timeframe = item["timeframe"]?.stringValue ?? ""
                    $0.milestoneTitle = title
                    $0.milestoneDescription = item["milestoneDescription"]?.stringValue ?? ""
                    $0.actionItems = (item["actionItems"]?.arrayValue ?? []).map { action in
                        Career_V1_CareerActionItem.with {
                            $0.category = action["category"]?.stringValue ?? ""
                            $0.title = action["title"]?.stringValue ?? ""
                            $0.description_p = action["description"]?.stringValue ?? ""
                        }
                    }
                }
            }
        }
        return .with {
            // The roles exactly as the caller gave them (the user, or the coach's model): the
            // answer is saved under them, and nothing between the two is normalised.
            $0.currentRole = request.currentRole
            $0.targetRole = request.targetRole
            $0.path = answer.value
            $0.model = answer.model
            $0.usage = answer.usage.proto
        }
    }
}
