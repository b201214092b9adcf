import CareerProto
import GeminiAPI
import GenerationTasks
import NIOCore
import RPCRuntime
import ServiceRuntime
import SwiftProtobuf
import TaskContract

/// Answers a ``TextTask`` from its definition alone: the request checked by the task's shape
/// (the one the gateway reads bodies with), the user turn built from its data blocks, its
/// prompt and settings, a Markdown answer unary or streamed.
struct TextTaskRunner<Request: SwiftProtobuf.Message & Sendable>: Sendable {
    let task: TextTask<Request>
    let runner: ModelRunner
    let model: String

    func register(on router: inout RPCRouter) {
        router.register(self.task.method, handler: self.run)
        router.register(self.task.streamMethod, handler: self.stream)
    }

    func generateContentRequest(_ request: Request) throws -> GenerateContentRequest {
        try self.task.requestShape.checkOnArrival(request)
        let settings = self.task.generation
        return .text(
            system: self.task.systemInstruction, data: UserData(self.task.userData(request)),
            temperature: settings.temperature, thinkingBudget: settings.thinkingBudget, maxOutputTokens: settings.maxOutputTokens
        )
    }

    func run(_ request: Request, context: ServerCallContext) async throws -> Career_V1_TextAnswer {
        let answer = try await self.runner.generateText(
            model: self.model, request: try self.generateContentRequest(request), deadline: callDeadline(context)
        )
        return answer.textAnswer
    }

    /// The streamed variant: the text as it comes, then `done` with what ``run(_:context:)``
    /// would have answered.
    func stream(_ request: Request, writer: ResponseWriter<Career_V1_TextStreamEvent>, context: ServerCallContext) async throws {
        let answer = try await self.runner.streamText(
            model: self.model, request: try self.generateContentRequest(request), deadline: callDeadline(context)
        ) { delta in
            try await writer.write(.with { $0.delta = .with { $0.text = delta } })
        }
        try await writer.write(.with { $0.done = answer.textAnswer })
    }
}

extension RPCRouter {
    /// Registers a text task's two methods.
    mutating func register(_ definition: some TextTaskDefinition, runner: ModelRunner, models: GenerationModels) {
        let task = definition.task
        TextTaskRunner(task: task, runner: runner, model: models.model(of: task.name, tier: task.tier)).register(on: &self)
    }
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
