import CareerProto
import GeminiAPI
import GenerationTasks
import JSONText
import RPCRuntime
import ServiceRuntime
import SwiftProtobuf
import TaskContract

/// Answers a ``StructuredTask`` from its definition alone: the request checked by the task's
/// shape (the one the gateway reads bodies with), the user turn from its data blocks, its prompt,
/// settings and response schema, and the model's JSON read by the definition.
struct StructuredTaskRunner<Request: SwiftProtobuf.Message & Sendable, Response: ShapedAnswer>: Sendable {
    let task: StructuredTask<Request, Response>
    let runner: ModelRunner
    let model: String

    func generateContentRequest(_ request: Request) throws -> GenerateContentRequest {
        try self.task.request.checkOnArrival(request)
        let settings = self.task.generation
        return .structured(
            system: self.task.systemInstruction, data: UserData(self.task.userData(request)), schema: self.task.responseSchema,
            temperature: settings.temperature, thinkingBudget: settings.thinkingBudget, maxOutputTokens: settings.maxOutputTokens
        )
    }

    func run(_ request: Request, context: ServerCallContext) async throws -> Response {
        let task = self.task
        let answer = try await self.runner.generateJSON(
            model: self.model, request: try self.generateContentRequest(request), schema: task.responseSchema,
            deadline: callDeadline(context)
        ) { json in
            do throws(MalformedAnswer) {
                return try task.answer(json, request)
            } catch {
                throw GeminiError.malformedModelOutput(error.reason)
            }
        }
        var response = answer.value
        response.model = answer.model
        response.usage = answer.usage.proto
        return response
    }
}

extension RPCRouter {
    /// Registers a structured task's method.
    mutating func register(_ definition: some StructuredTaskDefinition, runner: ModelRunner, models: GenerationModels) {
        let task = definition.task
        let answering = StructuredTaskRunner(task: task, runner: runner, model: models.model(of: task.name, tier: task.tier))
        self.register(task.method, handler: answering.run)
    }
}

extension UserData {
    /// The user turn of a task's data blocks; an empty text block is left out.
    init(_ blocks: [DataBlock]) {
        self.init()
        for block in blocks {
            switch block {
            case .profile(let profile): self.add(profile: profile)
            case .text(let tag, let text) where !text.isEmpty: self.add(tag, text)
            case .text: break
            }
        }
    }
}
