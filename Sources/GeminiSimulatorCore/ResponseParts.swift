import Foundation
import JSONText

// The pieces of a `GenerateContentResponse` that the unary answer (`Simulator.answer`) and the
// streamed one (`StreamAnswer.swift`) are both made of, so that the two say the same for the
// same request. The rules are documented in `GeminiSimulator.swift`.

/// What every response (or chunk) of one answer carries alike: the model, the response id and
/// the prompt's tokens. Called with the candidates, it gives the whole response.
struct ResponseEnvelope {
    let model: String
    let responseID: String
    let promptTokens: Int

    init(model: String, builder: AnswerBuilder, sequence: Int) {
        self.model = model
        self.responseID = Self.responseID(digest: builder.digest, sequence: sequence)
        self.promptTokens = tokenCount(builder.promptText)
    }

    /// A `GenerateContentResponse` (or one chunk of a streamed one) with `usageMetadata`.
    func callAsFunction(candidates: [JSONValue]?, promptFeedback: JSONValue? = nil, outputTokens: Int, thoughtsTokens: Int) -> JSONValue {
        var usage: [JSONValue.Member] = [("promptTokenCount", .integer(promptTokens))]
        if outputTokens > 0 { usage.append(("candidatesTokenCount", .integer(outputTokens))) }
        usage.append(("totalTokenCount", .integer(promptTokens + outputTokens + thoughtsTokens)))
        usage.append(
            ("promptTokensDetails", .array([.object([("modality", .string("TEXT")), ("tokenCount", .integer(promptTokens))])]))
        )
        if thoughtsTokens > 0 { usage.append(("thoughtsTokenCount", .integer(thoughtsTokens))) }
        var members: [JSONValue.Member] = []
        if let candidates { members.append(("candidates", .array(candidates))) }
        if let promptFeedback { members.append(("promptFeedback", promptFeedback)) }
        members.append(("usageMetadata", .object(usage)))
        members.append(("modelVersion", .string(model)))
        members.append(("responseId", .string(responseID)))
        return .object(members)
    }

    /// 22 URL-safe characters derived from the prompt digest and the request's sequence number.
    static func responseID(digest: String, sequence: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var value = stableHash("\(digest)#\(sequence)")
        var second = stableHash("\(sequence)#\(digest)")
        var out = ""
        for index in 0..<22 {
            if index == 11 { value = second; second = 0 }
            out.append(alphabet[Int(value & 63)])
            value >>= 6
        }
        return out
    }
}

/// What the model says after its thoughts, and why it stopped: a function call, or text (cut
/// short for `max-tokens` or `maxOutputTokens`, not JSON for `malformed-output`). A `finish=`
/// fault replaces the reason.
struct ModelOutput {
    enum Content {
        /// The `functionCall` part, with a `thoughtSignature` when the model thought.
        case functionCall(part: JSONValue)
        case text(String)
    }

    var content: Content
    /// What `candidatesTokenCount` counts: the text, or the call's name and arguments.
    var countedText: String
    var finishReason: String

    init(builder: AnswerBuilder, fault: Fault, thoughtsTokens: Int) {
        var finishReason = "STOP"
        if !fault.malformedOutput, let call = builder.functionCall {
            var part: [JSONValue.Member] = [
                ("functionCall", .object([("name", .string(call.name)), ("args", call.args)]))
            ]
            if thoughtsTokens > 0 {
                let signature = Data("simulated-thought-signature:\(builder.digest):\(call.name)".utf8).base64EncodedString()
                part.append(("thoughtSignature", .string(signature)))
            }
            self.content = .functionCall(part: .object(part))
            self.countedText = call.name + call.args.jsonString()
        } else {
            var text = fault.malformedOutput ? "{\"simulated\": \"malformed output \(builder.digest)" : builder.answerText()
            let maxOutputTokens = builder.generationConfig?["maxOutputTokens"]?.intValue
            if fault.maxTokens {
                text = String(text.prefix(max(1, text.count / 2)))
                finishReason = "MAX_TOKENS"
            } else if let maxOutputTokens, maxOutputTokens > 0, tokenCount(text) > maxOutputTokens {
                text = String(text.prefix(maxOutputTokens * 4))
                finishReason = "MAX_TOKENS"
            }
            self.content = .text(text)
            self.countedText = text
        }
        self.finishReason = fault.finishReason ?? finishReason
    }
}

extension Simulator {
    /// Finish reasons that stop an answer for safety or policy: the candidate carries no content.
    static let blockingFinishReasons: Set<String> = ["SAFETY", "RECITATION", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "IMAGE_SAFETY"]

    /// A candidate: its content's parts (none: no content), its finish reason (none: more is
    /// coming), then `extra` members.
    static func candidate(parts: [JSONValue]?, finishReason: String?, extra: [JSONValue.Member] = []) -> JSONValue {
        var members: [JSONValue.Member] = []
        if let parts { members.append(("content", .object([("parts", .array(parts)), ("role", .string("model"))]))) }
        if let finishReason { members.append(("finishReason", .string(finishReason))) }
        members.append(contentsOf: extra)
        members.append(("index", .integer(0)))
        return .object(members)
    }

    /// The `empty` fault's candidate: content with no parts.
    static let emptyCandidate = JSONValue.object([
        ("content", .object([("role", .string("model"))])),
        ("finishReason", .string("STOP")),
        ("index", .integer(0)),
    ])

    /// The `safety-block` fault's `promptFeedback`.
    static let blockedPromptFeedback = JSONValue.object([
        ("blockReason", .string("SAFETY")), ("safetyRatings", safetyRatings(blocked: true)),
    ])

    static func textPart(_ text: String) -> JSONValue { .object([("text", .string(text))]) }

    /// The thinking summary that `includeThoughts` asks for.
    static func thoughtPart(_ builder: AnswerBuilder) -> JSONValue {
        .object([("text", .string(builder.thoughtText())), ("thought", .bool(true))])
    }

    static func safetyRatings(blocked: Bool) -> JSONValue {
        .array([
            .object([("category", .string("HARM_CATEGORY_SEXUALLY_EXPLICIT")), ("probability", .string("NEGLIGIBLE"))]),
            .object([("category", .string("HARM_CATEGORY_HATE_SPEECH")), ("probability", .string("NEGLIGIBLE"))]),
            .object([
                ("category", .string("HARM_CATEGORY_HARASSMENT")), ("probability", .string("HIGH")), ("blocked", .bool(blocked)),
            ]),
            .object([("category", .string("HARM_CATEGORY_DANGEROUS_CONTENT")), ("probability", .string("NEGLIGIBLE"))]),
        ])
    }
}
