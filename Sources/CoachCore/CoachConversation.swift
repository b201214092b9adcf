import CareerProto
import CoachTasks
import GeminiAPI
import Logging
import RPCRuntime
import ServiceRuntime
import SwiftProtobuf

/// The bound on a chat request beyond its shape (``ChatRequestShape``, which the gateway reads
/// the body by and the coach checks every request by).
public enum ChatLimits {
    /// The whole conversation (message, every turn's text, action and `turnState`): 1 MiB in
    /// UTF-8, the gateway's body limit, so only a caller past the gateway can exceed it.
    public static let maxConversationBytes = 1 << 20
}

/// Turns a chat request into the Gemini conversation: our instructions in the system
/// instruction; the history replayed (verbatim from a valid `turnState`, otherwise from its
/// text and action); the user's data in delimited blocks, then their message, in the last user
/// turn.
struct CoachConversation: Sendable {
    let systemInstruction: String
    let signer: TurnStateSigner

    /// Sampling temperature: 0.7 (a conversation, not a structured extraction).
    static let temperature = 0.7
    /// Thinking tokens: 2,048 (pro only works thinking; choosing a tool is reasoning work).
    static let thinkingBudget = 2_048
    /// Answer tokens, thinking included: 8,192.
    static let maxOutputTokens = 8_192

    /// Refuses a request its shape refuses, or one over ``ChatLimits``, with
    /// `INVALID_ARGUMENT`, naming every field.
    func validate(_ request: Career_V1_ChatRequest) throws(RPCError) {
        try ChatRequestShape.chat.checkOnArrival(request)
        var bytes = request.message.utf8.count
        for turn in request.history {
            bytes += turn.text.utf8.count + turn.turnState.utf8.count + ((try? turn.action.serializedBytes() as [UInt8])?.count ?? 0)
        }
        if bytes > ChatLimits.maxConversationBytes {
            throw RPCError(invalidArgument: [
                .init(field: "history", issue: "must be at most \(ChatLimits.maxConversationBytes) bytes in total with the message")
            ])
        }
    }

    /// The request to Gemini. `userID` selects which turn states are valid (see
    /// ``TurnStateSigner``); a state that does not verify is ignored and logged at debug.
    func generateContentRequest(_ request: Career_V1_ChatRequest, userID: String, logger: Logger) -> GenerateContentRequest {
        var contents = Contents()
        for turn in request.history {
            if turn.role == .user {
                contents.append(Content(role: .user, text: turn.text))
                continue
            }
            if !turn.turnState.isEmpty {
                if let state = self.signer.verify(turn.turnState, userID: userID) {
                    contents.append(state.content)
                    contents.append(Content(role: .user, parts: state.responses.map { Part(functionResponse: $0) }))
                    continue
                }
                logger.debug("turn state did not verify; replaying the turn from its text")
            }
            let text = [turn.text, turn.action.replayDescription ?? ""].filter { !$0.isBlank }.joined(separator: "\n\n")
            contents.append(Content(role: .model, text: text))
        }
        contents.append(Content(role: .user, parts: [Part(text: Self.userData(request).text), Part(text: request.message)]))
        return GenerateContentRequest(
            systemInstruction: Content(role: nil, text: self.systemInstruction),
            contents: contents.turns,
            generationConfig: GenerationConfig(
                temperature: Self.temperature,
                maxOutputTokens: Self.maxOutputTokens,
                thinkingConfig: ThinkingConfig(thinkingBudget: Self.thinkingBudget)
            ),
            tools: CoachTool.declarations,
            toolConfig: ToolConfig(functionCallingConfig: FunctionCallingConfig(mode: .auto))
        )
    }

    /// The profile and the recent documents (one compact JSON object a line), as data.
    static func userData(_ request: Career_V1_ChatRequest) -> UserData {
        var data = UserData()
        data.add(profile: request.profile)
        let documents = request.documentHistory.compactMap { try? $0.jsonString() }
        if !documents.isEmpty { data.add("recent_documents", documents.joined(separator: "\n")) }
        return data
    }
}

/// The conversation's turns. Empty parts are left out and a turn of the same role as the one
/// before joins it, so roles alternate: a replayed turn's function responses share the next
/// user turn, right after the function calls they answer.
private struct Contents {
    private(set) var turns: [Content] = []

    mutating func append(_ content: Content) {
        // A part that is only blank text says nothing (and Gemini refuses empty text parts).
        let parts = content.parts.filter { part in !(part == Part(text: part.text) && (part.text ?? "").isBlank) }
        guard !parts.isEmpty else { return }
        // Turns of one role are merged, except a turn of function responses: Gemini matches it
        // to the function-call turn before it and refuses one that carries other parts too
        // (400 INVALID_ARGUMENT), so the next user text goes in a content of its own.
        let holdsResponses = { (parts: [Part]) in parts.contains { $0.functionResponse != nil } }
        if let last = self.turns.indices.last, self.turns[last].role == content.role,
           !holdsResponses(self.turns[last].parts), !holdsResponses(parts) {
            self.turns[last].parts += parts
        } else {
            self.turns.append(Content(role: content.role, parts: parts))
        }
    }
}
