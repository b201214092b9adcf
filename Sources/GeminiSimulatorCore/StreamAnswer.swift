import Foundation
import Hummingbird

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
    func streamAnswer(model: String, body: JSON, fault: Fault, sequence: Int, sse: Bool, requestBody: RequestBody) -> Response {
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
                                text = "data: " + chunk.serialized() + "\r\n\r\n"
                            } else {
                                text = (index == 0 ? "[" : ",\r\n") + chunk.serialized()
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
    func streamChunks(model: String, body: JSON, fault: Fault, sequence: Int) -> [JSON] {
        let builder = AnswerBuilder(model: model, request: body, fault: fault)
        let promptTokens = tokenCount(builder.promptText)
        let responseID = Self.responseID(digest: builder.digest, sequence: sequence)

        func envelope(candidates: [JSON]?, promptFeedback: JSON? = nil, outputTokens: Int, thoughtsTokens: Int) -> JSON {
            Self.envelope(
                model: model,
                responseID: responseID,
                promptTokens: promptTokens,
                candidates: candidates,
                promptFeedback: promptFeedback,
                outputTokens: outputTokens,
                thoughtsTokens: thoughtsTokens
            )
        }

        func candidate(parts: [JSON]?, finishReason: String?, extra: [(String, JSON)] = []) -> JSON {
            var members: [(String, JSON)] = []
            if let parts { members.append(("content", .orderedObject([("parts", .array(parts)), ("role", .string("model"))]))) }
            if let finishReason { members.append(("finishReason", .string(finishReason))) }
            members.append(contentsOf: extra)
            members.append(("index", .number(0)))
            return .orderedObject(members)
        }

        if fault.safetyBlock {
            let feedback = JSON.orderedObject([("blockReason", .string("SAFETY")), ("safetyRatings", Self.safetyRatings(blocked: true))])
            return [envelope(candidates: nil, promptFeedback: feedback, outputTokens: 0, thoughtsTokens: 0)]
        }
        if fault.noCandidates {
            return [envelope(candidates: nil, outputTokens: 0, thoughtsTokens: 0)]
        }
        let thoughtsTokens = builder.thoughtsTokens
        if fault.empty {
            let empty = JSON.orderedObject([
                ("content", .orderedObject([("role", .string("model"))])),
                ("finishReason", .string("STOP")),
                ("index", .number(0)),
            ])
            return [envelope(candidates: [empty], outputTokens: 0, thoughtsTokens: thoughtsTokens)]
        }

        var chunks: [JSON] = []
        if builder.includeThoughts, thoughtsTokens > 0 {
            let thought = JSON.orderedObject([("text", .string(builder.thoughtText())), ("thought", .bool(true))])
            chunks.append(envelope(candidates: [candidate(parts: [thought], finishReason: nil)], outputTokens: 0, thoughtsTokens: thoughtsTokens))
        }

        // A blocking finish reason: some text, then a chunk that stops for safety or policy.
        if let reason = fault.finishReason, Self.blockingFinishReasons.contains(reason) {
            let pieces = Self.split(builder.answerText())
            let first = pieces.first ?? ""
            chunks.append(
                envelope(
                    candidates: [candidate(parts: [.orderedObject([("text", .string(first))])], finishReason: nil)],
                    outputTokens: tokenCount(first),
                    thoughtsTokens: thoughtsTokens
                )
            )
            let extra: [(String, JSON)] = reason == "SAFETY" ? [("safetyRatings", Self.safetyRatings(blocked: true))] : []
            chunks.append(
                envelope(
                    candidates: [candidate(parts: nil, finishReason: reason, extra: extra)],
                    outputTokens: tokenCount(first),
                    thoughtsTokens: thoughtsTokens
                )
            )
            return chunks
        }

        if !fault.malformedOutput, let call = builder.functionCall {
            var part: [(String, JSON)] = [
                ("functionCall", .orderedObject([("name", .string(call.name)), ("args", call.args)]))
            ]
            if thoughtsTokens > 0 {
                let signature = Data("simulated-thought-signature:\(builder.digest):\(call.name)".utf8).base64EncodedString()
                part.append(("thoughtSignature", .string(signature)))
            }
            chunks.append(
                envelope(
                    candidates: [candidate(parts: [.orderedObject(part)], finishReason: fault.finishReason ?? "STOP")],
                    outputTokens: tokenCount(call.name + call.args.serialized()),
                    thoughtsTokens: thoughtsTokens
                )
            )
            return chunks
        }

        var text = fault.malformedOutput ? "{\"simulated\": \"malformed output \(builder.digest)" : builder.answerText()
        var finishReason = "STOP"
        let maxOutputTokens = builder.generationConfig?["maxOutputTokens"]?.int
        if fault.maxTokens {
            text = String(text.prefix(max(1, text.count / 2)))
            finishReason = "MAX_TOKENS"
        } else if let maxOutputTokens, maxOutputTokens > 0, tokenCount(text) > maxOutputTokens {
            text = String(text.prefix(maxOutputTokens * 4))
            finishReason = "MAX_TOKENS"
        }
        if let reason = fault.finishReason { finishReason = reason }
        let pieces = Self.split(text)
        var sent = ""
        for (index, piece) in pieces.enumerated() {
            sent += piece
            let last = index == pieces.count - 1
            chunks.append(
                envelope(
                    candidates: [candidate(parts: [.orderedObject([("text", .string(piece))])], finishReason: last ? finishReason : nil)],
                    outputTokens: tokenCount(sent),
                    thoughtsTokens: thoughtsTokens
                )
            )
        }
        return chunks
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
