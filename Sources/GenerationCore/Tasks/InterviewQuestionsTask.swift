import CareerProto
import GeminiAPI
import GenerationTasks
import JSONText
import NIOCore
import RPCRuntime
import ServiceRuntime
import TaskContract

/// `InterviewQuestions`: likely interview questions for a job, on flash.
struct InterviewQuestionsTask: Sendable {
    let runner: ModelRunner
    let systemInstruction: String
    var model = ModelName.flash

    static let schema: JSONValue = Schema.object([
        "questions": Schema.array(
            of: Schema.object([
                "question": Schema.string,
                "type": ["type": "STRING", "enum": ["behavioral", "technical"]],
                "why": Schema.string,
            ]),
            minItems: 1
        ),
    ])

    func run(_ request: Career_V1_InterviewQuestionsRequest, context: ServerCallContext) async throws -> Career_V1_InterviewQuestionsResponse {
        try RequestShapes.interviewQuestions.checkOnArrival(request)
        var data = UserData()
        data.add("job_description", request.jobDescription)
        if request.hasProfile { data.add(profile: request.profile) }
        // Listing questions needs no reasoning budget; thinking 0 keeps flash fast.
        let generateRequest = GenerateContentRequest.structured(
            system: self.systemInstruction, data: data, schema: Self.schema,
            temperature: 0.7, thinkingBudget: 0, maxOutputTokens: 4096
        )
        let answer = try await self.runner.generateJSON(
            model: self.model, request: generateRequest, schema: Self.schema,
            deadline: context.deadline ?? .now() + .seconds(120)
        ) { json in
            try (json["questions"]?.arrayValue ?? []).map { item in
                let question = item["question"]?.stringValue ?? ""
                guard !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw GeminiError.malformedModelOutput("a question is empty")
                }
                return Career_V1_InterviewQuestion.with {
                    $0.question = question
                    $0.type = item["type"]?.stringValue == "technical" ? .technical : .behavioral
                    $0.why = item["why"]?.stringValue ?? ""
                }
            }
        }
        return .with {
            $0.questions = answer.value
            $0.model = answer.model
            $0.usage = answer.usage.proto
        }
    }
}
