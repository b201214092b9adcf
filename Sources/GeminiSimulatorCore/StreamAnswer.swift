import Foundation
import Hummingbird
import JSONText

/// `:streamGenerateContent`: the unary answer cut into chunks. The rules are documented in
/// `GeminiSimulator.swift`.
extension Simulator {
    /// How a streamed answer misbehaves after its first chunk.
    enum StreamEnding: Sendable {
        /// Every chunk, then the end of the body.
        case complete
        /// The first chunk, then a data line that is not JSON, then the end of the body.
        case garbageAfterFirst
        /// The first chunk, then the connection is dropped without ending the body.
        case resetAfterFirst
    }

    /// Thrown from the body writer to make the server drop the connection.
    struct SimulatedReset: Error {}

    /// The streamed answer: `alt=sse` gives Server-Sent Events (`data: {...}\r\n\r\n` each);
    /// without it, a JSON array written element by element, as Google does.
    ///
    /// The stream is cancelled as soon as the client closes its connection (not only at the
    /// next write, which may be a `chunk-delay` away), so `endedAtMs` tells when the client left.
    func streamAnswer(model: String, body: JSONValue, fault: Fault, sequence: Int, sse: Bool, requestBody: RequestBody) -> Response {
        let chunks = streamChunks(model: model, body: body, fault: fault, sequence: sequence)
        let ending: StreamEnding = fault.reset ? .resetAfterFirst : fault.malformedJSON ? .garbageAfterFirst : .complete
        let chunkDelay = fault.chunkDelay
        let state = self.state
        var headers = HTTPFields()
        headers[.contentType] = sse ? "text/event-stream" : "application/json; charset=UTF-8"
        headers[.cacheControl] = "no-cache"
        // Hummingbird closes the connection when a handler that watches for the client leaving
        // (`consumeWithCancellationOnInboundClose`, below) ends. Without saying so, a pooled
        // client sends its next request on the closing connection and gets "Remote connection
        // closed": ~5,900 retries and ~120 failed calls in a 10,000-stream benchmark.
        headers[.connection] = "close"
        let garbage = "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Simulated chunk cut off"
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody { writer in
                await state.streamStarted(sequence: sequence)
                do {
                    try await requestBody.consumeWithCancellationOnInboundClose { _ in
                        for (index, chunk) in chunks.enumerated() {
                            if index > 0, let chunkDelay { try await Task.sleep(for: chunkDelay) }
                            let text: String
                            if sse {
                                text = "data: " + chunk.jsonString() + "\r\n\r\n"
                            } else {
                                text = (index == 0 ? "[" : ",\r\n") + chunk.jsonString()
                            }
                            try await writer.write(ByteBuffer(string: text))
                            await state.streamChunkSent(sequence: sequence)
                            if index == 0, ending == .resetAfterFirst {
                                await state.streamEnded(sequence: sequence, outcome: "reset")
                                throw SimulatedReset()
                            }
                            if index == 0, ending == .garbageAfterFirst {
                                try await writer.write(ByteBuffer(string: sse ? "data: " + garbage + "\r\n\r\n" : ",\r\n" + garbage))
                                break
                            }
                        }
                        if !sse, ending == .complete { try await writer.write(ByteBuffer(string: "]")) }
                        try await writer.finish(nil)
                        await state.streamEnded(sequence: sequence, outcome: "completed")
                    }
                } catch let error as SimulatedReset {
                    throw error
                } catch {
                    // A write failed or the handler was cancelled: the client went away.
                    await state.streamEnded(sequence: sequence, outcome: "client-disconnected")
                    throw error
                }
            }
        )
    }

    /// The chunks of the answer that `generateContent` would give, each a full
    /// `GenerateContentResponse` with cumulative `usageMetadata`; `finishReason` on the last.
    func streamChunks(model: String, body: JSONValue, fault: Fault, sequence: Int) -> [JSONValue] {
        let builder = AnswerBuilder(model: model, request: body, fault: fault)
        let envelope = ResponseEnvelope(model: model, builder: builder, sequence: sequence)
        if fault.safetyBlock {
            return [envelope(candidates: nil, promptFeedback: Self.blockedPromptFeedback, outputTokens: 0, thoughtsTokens: 0)]
        }
        if fault.noCandidates {
            return [envelope(candidates: nil, outputTokens: 0, thoughtsTokens: 0)]
        }
        let thoughtsTokens = builder.thoughtsTokens
        if fault.empty {
            return [envelope(candidates: [Self.emptyCandidate], outputTokens: 0, thoughtsTokens: thoughtsTokens)]
        }

        var chunks: [JSONValue] = []
        if builder.includeThoughts, thoughtsTokens > 0 {
            let thought = Self.candidate(parts: [Self.thoughtPart(builder)], finishReason: nil)
            chunks.append(envelope(candidates: [thought], outputTokens: 0, thoughtsTokens: thoughtsTokens))
        }
        if let reason = fault.finishReason, Self.blockingFinishReasons.contains(reason) {
            return chunks + Self.blockedChunks(builder.answerText(), reason: reason, envelope: envelope, thoughtsTokens: thoughtsTokens)
        }
        let output = ModelOutput(builder: builder, fault: fault, thoughtsTokens: thoughtsTokens)
        switch output.content {
        case .functionCall(let part):
            // A function call comes whole, in one chunk.
            let call = Self.candidate(parts: [part], finishReason: output.finishReason)
            chunks.append(envelope(candidates: [call], outputTokens: tokenCount(output.countedText), thoughtsTokens: thoughtsTokens))
        case .text(let text):
            chunks += Self.textChunks(text, finishReason: output.finishReason, envelope: envelope, thoughtsTokens: thoughtsTokens)
        }
        return chunks
    }

    /// Text in pieces (``split(_:)``), one a chunk, each counting the text sent so far; the
    /// finish reason on the last.
    static func textChunks(_ text: String, finishReason: String, envelope: ResponseEnvelope, thoughtsTokens: Int) -> [JSONValue] {
        let pieces = split(text)
        var chunks: [JSONValue] = []
        var sent = ""
        for (index, piece) in pieces.enumerated() {
            sent += piece
            let last = index == pieces.count - 1
            chunks.append(
                envelope(
                    candidates: [candidate(parts: [textPart(piece)], finishReason: last ? finishReason : nil)],
                    outputTokens: tokenCount(sent),
                    thoughtsTokens: thoughtsTokens
                )
            )
        }
        return chunks
    }

    /// A blocking finish reason: the first piece of the text, then a chunk that stops for safety
    /// or policy, with no content.
    static func blockedChunks(_ text: String, reason: String, envelope: ResponseEnvelope, thoughtsTokens: Int) -> [JSONValue] {
        let first = split(text).first ?? ""
        let extra: [JSONValue.Member] = reason == "SAFETY" ? [("safetyRatings", safetyRatings(blocked: true))] : []
        return [
            envelope(
                candidates: [candidate(parts: [textPart(first)], finishReason: nil)],
                outputTokens: tokenCount(first),
                thoughtsTokens: thoughtsTokens
            ),
            envelope(
                candidates: [candidate(parts: nil, finishReason: reason, extra: extra)],
                outputTokens: tokenCount(first),
                thoughtsTokens: thoughtsTokens
            ),
        ]
    }

    /// Cuts `text` into consecutive pieces: at least 3 (unless it is shorter), about one per 100
    /// characters, at most 16.
    static func split(_ text: String) -> [String] {
        let characters = Array(text)
        guard !characters.isEmpty else { return [""] }
        let count = min(characters.count, min(16, max(3, characters.count / 100)))
        var pieces: [String] = []
        var start = 0
        for index in 0..<count {
            let end = characters.count * (index + 1) / count
            pieces.append(String(characters[start..<end]))
            start = end
        }
        return pieces
    }
}
