import CareerProto
import Foundation
import GeminiAPI
import JSONText
import Logging
import Metrics
import NIOCore

/// What a model produced, with the model that answered and the tokens spent on every call
/// that led to it (retries and fallbacks included).
public struct ModelAnswer<Value: Sendable>: Sendable {
    public var value: Value
    public var model: String
    public var usage: GeminiUsage

    public init(value: Value, model: String, usage: GeminiUsage) {
        self.value = value
        self.model = model
        self.usage = usage
    }
}

/// Calls Gemini for the services: falls back to the fallback model when the chosen one stays
/// overloaded, and for structured tasks checks the JSON answer against its schema, asking once
/// more when it does not conform.
public final class ModelRunner: Sendable {
    public let client: GeminiClient
    public let fallbackModel: String?
    private let logger: Logger

    /// How many times a malformed structured answer is asked for again: 1, per the spec.
    public static let malformedAnswerRetries = 1

    public init(client: GeminiClient, fallbackModel: String?, logger: Logger) {
        self.client = client
        self.fallbackModel = fallbackModel
        self.logger = logger
    }

    /// One answer from `model`, or from the fallback model when `model` stays overloaded.
    public func generate(model: String, request: GenerateContentRequest, deadline: NIODeadline) async throws -> ModelAnswer<GenerateContentResponse> {
        do {
            let response = try await self.client.generateContent(model: model, request: request, deadline: deadline)
            return ModelAnswer(value: response, model: model, usage: response.usage)
        } catch let error as GeminiError where self.shouldFallBack(from: model, after: error) {
            let fallback = self.fallingBack(from: model)
            let response = try await self.client.generateContent(model: fallback, request: request, deadline: deadline)
            return ModelAnswer(value: response, model: fallback, usage: response.usage)
        }
    }

    /// A streamed answer from `model`: each piece of answer text (thoughts excluded) is handed
    /// to `onText` as it arrives, and the whole stream comes back accumulated.
    ///
    /// The fallback model answers when `model` stays overloaded **before its first chunk**; once
    /// text has reached `onText` a failure is the caller's, since the text cannot be taken back.
    public func generateStreaming(
        model: String,
        request: GenerateContentRequest,
        deadline: NIODeadline,
        onText: (String) async throws -> Void
    ) async throws -> ModelAnswer<GeminiStreamAccumulator> {
        var started = false
        do {
            return try await self.consumeStream(model: model, request: request, deadline: deadline, started: &started, onText: onText)
        } catch let error as GeminiError where !started && self.shouldFallBack(from: model, after: error) {
            let fallback = self.fallingBack(from: model)
            return try await self.consumeStream(model: fallback, request: request, deadline: deadline, started: &started, onText: onText)
        }
    }

    private func consumeStream(
        model: String,
        request: GenerateContentRequest,
        deadline: NIODeadline,
        started: inout Bool,
        onText: (String) async throws -> Void
    ) async throws -> ModelAnswer<GeminiStreamAccumulator> {
        var accumulator = GeminiStreamAccumulator()
        for try await chunk in self.client.streamGenerateContent(model: model, request: request, deadline: deadline) {
            started = true
            let delta = accumulator.add(chunk)
            if !delta.isEmpty { try await onText(delta) }
        }
        return ModelAnswer(value: accumulator, model: model, usage: accumulator.usage)
    }

    /// The fallback model, logged and counted as taking over from `model`.
    private func fallingBack(from model: String) -> String {
        let fallback = self.fallbackModel!
        self.logger.info("model overloaded; using the fallback model", metadata: ["gemini.model": "\(model)", "gemini.fallback": "\(fallback)"])
        Counter(label: "gemini_fallbacks_total", dimensions: [("from", model), ("to", fallback), ("task", GeminiCallTask.name ?? "none")]).increment()
        return fallback
    }

    private func shouldFallBack(from model: String, after error: GeminiError) -> Bool {
        guard let fallback = self.fallbackModel, fallback != model else { return false }
        return error.kind == .unavailable || error.kind == .rateLimited
    }

    /// A structured answer: the request must carry `responseMimeType: application/json` and the
    /// schema; the answer is checked against `schema`, then handed to `decode`, which may throw
    /// ``GeminiError/malformedModelOutput(_:)`` for checks the schema cannot express.
    public func generateJSON<Value: Sendable>(
        model: String,
        request: GenerateContentRequest,
        schema: JSONValue,
        deadline: NIODeadline,
        decode: (JSONValue) throws -> Value
    ) async throws -> ModelAnswer<Value> {
        var usage = GeminiUsage()
        var attempt = 0
        while true {
            let answer = try await self.generate(model: model, request: request, deadline: deadline)
            usage = usage + answer.usage
            do {
                let value = try Self.parse(answer.value, schema: schema, decode: decode)
                return ModelAnswer(value: value, model: answer.model, usage: usage)
            } catch let error as GeminiError where error.kind == .malformedResponse && attempt < Self.malformedAnswerRetries {
                attempt += 1
                self.logger.debug("malformed structured answer; asking again", metadata: ["gemini.model": "\(answer.model)"])
            } catch let error as GeminiError {
                throw error
            }
        }
    }

    private static func parse<Value>(_ response: GenerateContentResponse, schema: JSONValue, decode: (JSONValue) throws -> Value) throws -> Value {
        guard let text = response.text, let data = text.data(using: .utf8) else {
            throw GeminiError.malformedModelOutput("the structured answer has no text")
        }
        let json: JSONValue
        do {
            // The strict parser, not `JSONDecoder`, which is several times slower on a free-form
            // text (`JSONValue`'s `Codable` conformance says why).
            json = try JSONValue(parsing: data)
        } catch {
            throw GeminiError.malformedModelOutput("the structured answer is not JSON")
        }
        // Structured output makes Gemini follow the schema, but not always: this is what stops
        // a malformed answer from reaching the frontend.
        if let violation = JSONSchemaValidator.gemini.firstViolation(of: json, against: schema) {
            throw GeminiError.malformedModelOutput("the structured answer does not match its schema (\(violation))")
        }
        do {
            return try decode(json)
        } catch let error as GeminiError {
            throw error
        } catch {
            throw GeminiError.malformedModelOutput("the structured answer could not be read")
        }
    }
}

extension GeminiUsage {
    /// The usage as the RPC answers carry it.
    public var proto: Career_V1_Usage {
        .with {
            $0.promptTokens = Int64(self.promptTokens)
            $0.outputTokens = Int64(self.outputTokens)
            $0.thoughtsTokens = Int64(self.thoughtsTokens)
            $0.totalTokens = Int64(self.totalTokens)
        }
    }
}
