import NIOConcurrencyHelpers

/// The chunks of one streamed answer, as ``GeminiClient/streamGenerateContent(model:request:deadline:)``
/// delivers them: each a `GenerateContentResponse` holding the next piece of the answer.
///
/// Iterate it once, from one task. It throws ``GeminiError``s only: when the call fails, when
/// a chunk says the answer was blocked, truncated (`MAX_TOKENS`, after that chunk's text) or
/// broken, when the whole answer had no text and no function call, and `cancelled` when the
/// iterating task is cancelled. It never ends silently short of the answer.
///
/// Cancelling the iterating task, or dropping the stream (leaving the loop early), ends the
/// call and closes its HTTP request.
public struct GeminiResponseStream: AsyncSequence, Sendable {
    public typealias Element = GenerateContentResponse

    let base: AsyncThrowingStream<GenerateContentResponse, any Error>
    let completion: StreamCompletion

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<GenerateContentResponse, any Error>.AsyncIterator
        let completion: StreamCompletion

        public mutating func next() async throws -> GenerateContentResponse? {
            let chunk: GenerateContentResponse?
            do {
                chunk = try await base.next()
            } catch let error as GeminiError {
                throw error
            } catch {
                throw GeminiError(kind: .cancelled)
            }
            if let chunk { return chunk }
            // The stream ended without an error: either the answer is complete, or the consumer
            // was cancelled (which ends an `AsyncThrowingStream` quietly).
            guard completion.isComplete else { throw GeminiError(kind: .cancelled) }
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), completion: completion)
    }

    /// Reads the whole stream: the answer text, its usage (the last chunk's, which is the
    /// total), the merged response.
    ///
    /// - Throws: what iterating the stream throws.
    public func collect() async throws -> GeminiStreamAccumulator {
        var accumulator = GeminiStreamAccumulator()
        for try await chunk in self { accumulator.add(chunk) }
        return accumulator
    }
}

/// Set once the producer has delivered the whole answer.
final class StreamCompletion: Sendable {
    private let complete = NIOLockedValueBox(false)
    var isComplete: Bool { complete.withLockedValue { $0 } }
    func markComplete() { complete.withLockedValue { $0 = true } }
}

/// Builds up a streamed answer chunk by chunk: its text, thoughts, function calls and usage.
///
/// Gemini's `usageMetadata` is cumulative: each chunk's counts include the chunks before it,
/// so ``usage`` is the last chunk's (never a sum).
public struct GeminiStreamAccumulator: Sendable, Hashable {
    /// Every part of the first candidate, in the order received (thought parts, function calls
    /// and thought signatures included), as Gemini sent them.
    public private(set) var parts: [Part] = []
    /// The answer text so far: non-thought text parts joined.
    public private(set) var text = ""
    /// The thought summaries so far, joined.
    public private(set) var thoughtText = ""
    /// The last `usageMetadata` received: the call's total once the stream has ended.
    public private(set) var usageMetadata: UsageMetadata?
    /// The first candidate's `finishReason`, once a chunk carried one.
    public private(set) var finishReason: FinishReason?
    /// The last candidate `safetyRatings` received.
    public private(set) var safetyRatings: [SafetyRating]?
    /// The last `promptFeedback` received.
    public private(set) var promptFeedback: PromptFeedback?
    public private(set) var modelVersion: String?
    public private(set) var responseId: String?
    /// Chunks added.
    public private(set) var chunkCount = 0

    public init() {}

    /// Adds the next chunk.
    ///
    /// - Returns: The answer text this chunk adds (thoughts excluded); empty when none.
    @discardableResult
    public mutating func add(_ chunk: GenerateContentResponse) -> String {
        chunkCount += 1
        if let usage = chunk.usageMetadata { usageMetadata = usage }
        if let version = chunk.modelVersion { modelVersion = version }
        if let id = chunk.responseId { responseId = id }
        if let feedback = chunk.promptFeedback { promptFeedback = feedback }
        guard let candidate = chunk.candidates?.first else { return "" }
        if let reason = candidate.finishReason { finishReason = reason }
        if let ratings = candidate.safetyRatings { safetyRatings = ratings }
        var delta = ""
        for part in candidate.content?.parts ?? [] {
            parts.append(part)
            guard let piece = part.text else { continue }
            if part.isThought {
                thoughtText += piece
            } else {
                delta += piece
            }
        }
        text += delta
        return delta
    }

    /// The function calls received, in order.
    public var functionCalls: [FunctionCall] { parts.compactMap(\.functionCall) }

    /// Token usage of the whole call so far (the last chunk's counts).
    public var usage: GeminiUsage { merged.usage }

    /// True when the answer has text or a function call.
    public var hasAnswer: Bool {
        parts.contains { $0.functionCall != nil || (!$0.isThought && !($0.text ?? "").isEmpty) }
    }

    /// The stream as one response, as `generateContent` would have returned it: one candidate
    /// whose parts are every part received, the final `finishReason`, the last usage.
    public var merged: GenerateContentResponse {
        let candidate = Candidate(
            content: parts.isEmpty ? nil : Content(role: .model, parts: parts),
            finishReason: finishReason,
            safetyRatings: safetyRatings,
            index: 0
        )
        return GenerateContentResponse(
            candidates: parts.isEmpty && finishReason == nil ? nil : [candidate],
            promptFeedback: promptFeedback,
            usageMetadata: usageMetadata,
            modelVersion: modelVersion,
            responseId: responseId
        )
    }
}
