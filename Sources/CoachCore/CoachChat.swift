import CareerProto
import GeminiAPI
import Logging
import RPCRuntime
import ServiceRuntime
import TaskContract

/// `Chat` and `StreamChat`: one Gemini call on pro (flash when pro stays overloaded) with the
/// coach's tools declared; the model's function calls become actions for the frontend.
///
/// **Several calls in one turn.** An answer carries at most one action. The first function call
/// that names a known tool with valid arguments becomes the action; every other call (unknown,
/// invalid, or after the chosen one) is dropped and logged. The turn state records, for each
/// call in order, a function response saying what became of it, so on replay the model learns
/// which call was performed and which were not.
///
/// **Text.** The model is asked to answer in text in the same turn as its call. When it wrote
/// none, the coach says what happens next (or that nothing could be done); when the career path
/// could not be planned, it says so after the model's text and returns no action.
struct CoachChat: Sendable {
    let runner: ModelRunner
    let conversation: CoachConversation
    let careerPaths: CareerPathPlanner
    /// Default `gemini-2.5-pro`; the runner's fallback model answers when it stays overloaded.
    var model = ModelName.pro

    func chat(_ request: Career_V1_ChatRequest, context: ServerCallContext) async throws -> Career_V1_ChatResponse {
        let generateRequest = try self.prepare(request, context: context)
        let answer = try await self.runner.generate(model: self.model, request: generateRequest, deadline: callDeadline(context))
        let modelTurn = answer.value.candidates?.first?.content ?? Content(role: .model, parts: [])
        let turn = await self.complete(modelTurn, request: request, context: context)
        return self.response(turn, model: answer.model, usage: answer.usage, context: context)
    }

    /// Text deltas as the model writes them, then the coach's own text (if it adds any), then
    /// the action (if any; a career path once it is ready), then the final answer.
    func streamChat(_ request: Career_V1_ChatRequest, writer: ResponseWriter<Career_V1_ChatStreamEvent>, context: ServerCallContext) async throws {
        let generateRequest = try self.prepare(request, context: context)
        let answer = try await self.runner.generateStreaming(model: self.model, request: generateRequest, deadline: callDeadline(context)) { text in
            try await writer.write(.with { $0.delta = .with { $0.text = text } })
        }
        let modelTurn = Content(role: .model, parts: answer.value.parts)
        let turn = await self.complete(modelTurn, request: request, context: context)
        if !turn.addedText.isEmpty {
            try await writer.write(.with { $0.delta = .with { $0.text = turn.addedText } })
        }
        if let action = turn.action {
            try await writer.write(.with { $0.action = action })
        }
        try await writer.write(.with { $0.done = self.response(turn, model: answer.model, usage: answer.usage, context: context) })
    }

    private func prepare(_ request: Career_V1_ChatRequest, context: ServerCallContext) throws -> GenerateContentRequest {
        try self.conversation.validate(request)
        return self.conversation.generateContentRequest(request, userID: context.userID, logger: context.logger)
    }

    private func response(_ turn: CompletedTurn, model: String, usage: GeminiUsage, context: ServerCallContext) -> Career_V1_ChatResponse {
        .with {
            $0.text = turn.text
            if let action = turn.action { $0.action = action }
            $0.turnState = self.conversation.signer.sign(turn.state, userID: context.userID)
            $0.model = model
            $0.usage = usage.proto
        }
    }

    // MARK: The model's turn

    /// What the coach makes of the model's turn.
    struct CompletedTurn {
        /// The model's own answer text.
        var modelText: String
        /// What the coach adds after it; empty when nothing.
        var addedText = ""
        var action: Career_V1_CoachAction?
        var state: TurnState

        /// Exactly what a stream sends as deltas (the model's text, then the coach's), so the
        /// deltas add up to the answer's text byte for byte; nothing is trimmed.
        var text: String { self.modelText + self.addedText }
    }

    func complete(_ modelTurn: Content, request: Career_V1_ChatRequest, context: ServerCallContext) async -> CompletedTurn {
        let modelText = modelTurn.parts.compactMap { $0.isThought ? nil : $0.text }.joined()
        let calls = modelTurn.parts.compactMap(\.functionCall)
        var responses: [FunctionResponse] = []
        var chosen: (call: CoachToolCall, index: Int)?
        for call in calls {
            do throws(CoachToolCall.Rejection) {
                guard chosen == nil else { throw CoachToolCall.Rejection(description: "only one action per answer") }
                chosen = (try CoachToolCall(call), responses.count)
                responses.append(FunctionResponse(name: call.name, response: ["result": "done"], id: call.id))
            } catch {
                context.logger.info(
                    "dropped a function call",
                    metadata: ["coach.tool": "\(call.name.prefix(64))", "coach.reason": "\(error.description)"]
                )
                responses.append(FunctionResponse(name: call.name, response: ["error": .string("Not performed: \(error.description).")], id: call.id))
            }
        }

        var turn = CompletedTurn(modelText: modelText, state: TurnState(content: modelTurn, responses: responses))
        var note: String?
        if case let (call, index)? = chosen {
            if case .generateAndSaveCareerPath(let currentRole, let targetRole) = call {
                do {
                    let path = try await self.careerPaths.plan(profile: request.profile, currentRole: currentRole, targetRole: targetRole, context: context)
                    turn.action = CoachToolCall.saveCareerPathAction(path)
                    turn.state.responses[index].response = [
                        "result": "The career path was planned and saved.",
                        "milestones": .array(path.path.map { .string($0.milestoneTitle) }),
                    ]
                } catch {
                    let reason = CareerPathPlanner.reason(for: error)
                    context.logger.info("career path failed", metadata: ["rpc.code": "\((error as? RPCError)?.code.name ?? "UNKNOWN")"])
                    note = careerPathFailureText(reason)
                    turn.state.responses[index].response = ["error": .string("The career path could not be created: \(reason).")]
                }
            } else {
                turn.action = call.uiAction
                turn.state.responses[index].response = ["result": "The app received it and shows it to the user."]
            }
        }

        if modelText.isBlank {
            turn.addedText = note ?? (turn.action == nil ? noActionText : chosen?.call.nextStepText ?? noActionText)
        } else if let note {
            turn.addedText = "\n\n" + note
        }
        return turn
    }
}

extension ServerCallContext {
    /// The caller's user id (the gateway's verified `sub`); empty for a direct caller without one.
    var userID: String { self.metadata[Metadata.WellKnownKey.userID] ?? "" }
}
