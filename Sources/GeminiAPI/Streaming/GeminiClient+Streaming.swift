import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import JSONText
import NIOFoundationCompat
import Tracing

extension GeminiClient {
    /// Asks `model` to answer `request` as a stream of chunks:
    /// `POST {baseURL}/v1beta/models/{model}:streamGenerateContent?alt=sse`, read as Server-Sent
    /// Events whose data is one `GenerateContentResponse` each.
    ///
    /// The call starts at once and follows the rules of
    /// ``generateContent(model:request:deadline:)``: the same permit queue, the key only in the
    /// `x-goog-api-key` header, the same retries, with one more rule: **a call is retried only
    /// before its first chunk has been delivered**, never once output has started. The deadline
    /// bounds the whole stream, queueing and retries included.
    ///
    /// Each chunk is checked as it arrives: a blocked prompt (`promptFeedback.blockReason`) or a
    /// safety or policy `finishReason` ends the stream with `contentBlocked` (that chunk is not
    /// delivered); `MAX_TOKENS` delivers the chunk, then ends the stream with
    /// `outputTruncated`; `MALFORMED_FUNCTION_CALL`, unreadable JSON and a stream that ends in
    /// the middle of an event end it with `malformedResponse`; an `{"error": …}` event is
    /// treated like that HTTP status; a connection lost after output started is
    /// `connectionFailed`. A stream that ends without any answer text or function call ends
    /// with `emptyAnswer`.
    ///
    /// Use ``GeminiResponseStream/collect()`` or a ``GeminiStreamAccumulator`` for the full
    /// text and the final usage (Gemini's usage is cumulative: the last chunk's is the total).
    ///
    /// - Parameters:
    ///   - model: A model name such as `gemini-2.5-flash` (a `models/` prefix is accepted).
    ///   - request: The prompt and options.
    ///   - deadline: When the whole stream must be over.
    public func streamGenerateContent(
        model: String,
        request: GenerateContentRequest,
        deadline: NIODeadline
    ) -> GeminiResponseStream {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: GenerateContentResponse.self, throwing: (any Error).self)
        let completion = StreamCompletion()
        let call = CallRecord(model: model, logger: self.logger, metrics: self.metrics, streaming: true)
        let sink = StreamSink(continuation: continuation, meter: GeminiUsageMeter.current, model: call.modelName)
        let producer = Task {
            await self.produceStream(call: call, request: request, deadline: deadline, sink: sink, completion: completion)
        }
        continuation.onTermination = { termination in
            guard case .cancelled = termination else { return }
            // The consumer left: what the chunks so far reported is metered now, while the
            // consumer's call is still open (its closing status reports it), not whenever the
            // producer notices.
            sink.meter()
            producer.cancel()
        }
        return GeminiResponseStream(base: stream, completion: completion)
    }

    private func produceStream(
        call: CallRecord,
        request: GenerateContentRequest,
        deadline: NIODeadline,
        sink: StreamSink,
        completion: StreamCompletion
    ) async {
        do {
            try await stream(model: try call.validModelName(), request: request, deadline: deadline, sink: sink, logger: call.logger)
            let accumulated = sink.accumulated
            call.succeeded(usage: accumulated.usage, metadata: ["gemini.chunks": "\(accumulated.chunkCount)"])
            // Metered before the consumer can see the end (and its call end with it).
            sink.meter()
            completion.markComplete()
            sink.finish(throwing: nil)
        } catch {
            // A failed or abandoned stream cost what its chunks reported.
            sink.meter()
            sink.finish(throwing: call.failed(error, metadata: ["gemini.chunks": "\(sink.accumulated.chunkCount)"]))
        }
    }

    private func stream(
        model: String,
        request: GenerateContentRequest,
        deadline: NIODeadline,
        sink: StreamSink,
        logger: Logger
    ) async throws(GeminiError) {
        let body = try self.requestBody(request, deadline: deadline)

        let url = "\(baseURL)/v1beta/models/\(model):streamGenerateContent?alt=sse"
        let attempts = AttemptCounter()
        do {
            try await Self.withDeadline(deadline, attempts: attempts) { () async throws -> Void in
                try await self.limiter.acquire()
                defer { self.limiter.release() }
                var retryIndex = 0
                while true {
                    guard !Task.isCancelled else { throw GeminiError(kind: .cancelled, attempts: attempts.value) }
                    attempts.increment()
                    let span = GeminiTracing.startAttempt(model: model, attempt: attempts.value, streaming: true, serverAddress: self.serverAddress)
                    let outcome = await self.streamAttempt(url: url, body: body, deadline: deadline, sink: sink, span: span)
                    GeminiTracing.finish(span, usage: sink.accumulated.usage, failure: outcome)
                    guard var failure = outcome else {
                        return
                    }
                    if sink.hasDelivered {
                        // Never replay once output has started.
                        failure.retryable = false
                        if failure.error.kind == .connectionFailed {
                            failure.error = GeminiError(kind: .connectionFailed, detail: "the connection was lost in the middle of the answer")
                        }
                    }
                    try await self.waitBeforeRetry(
                        after: failure, retryIndex: retryIndex, deadline: deadline, attempts: attempts, model: model, logger: logger
                    )
                    retryIndex += 1
                }
            }
        } catch let error as GeminiError {
            throw error
        } catch {
            throw GeminiError(kind: .cancelled, attempts: attempts.value)
        }
    }

    /// One HTTP request, read to its end; `nil` when it delivered a whole answer. Never throws,
    /// so the retry loop sees every outcome.
    private func streamAttempt(url: String, body: ByteBuffer, deadline: NIODeadline, sink: StreamSink, span: any Span) async -> AttemptFailure? {
        // The pool counts the request as in flight until its answer has been read.
        await pools.withClient { httpClient in
            await self.streamAttempt(using: httpClient, url: url, body: body, deadline: deadline, sink: sink, span: span)
        }
    }

    private func streamAttempt(
        using httpClient: HTTPClient, url: String, body: ByteBuffer, deadline: NIODeadline, sink: StreamSink, span: any Span
    ) async -> AttemptFailure? {
        let request = self.httpRequest(url: url, body: body, accept: "text/event-stream")
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, deadline: deadline)
        } catch {
            return Self.classifyTransportError(error)
        }
        let status = Int(response.status.code)
        GeminiTracing.record(status: status, on: span)
        guard (200..<300).contains(status) else {
            let bytes = (try? await response.body.collect(upTo: min(maxResponseBytes, 1024 * 1024))) ?? ByteBuffer()
            return classifyStatus(status, body: bytes)
        }

        var parser = ServerSentEventParser(maxEventBytes: maxResponseBytes)
        var received = 0
        do {
            for try await buffer in response.body {
                received += buffer.readableBytes
                guard received <= maxResponseBytes else {
                    return AttemptFailure(
                        error: GeminiError(kind: .malformedResponse, detail: "the response is too large"),
                        retryable: false,
                        cause: "size"
                    )
                }
                for event in try parser.feed(buffer.readableBytesView) {
                    if let failure = handle(event, status: status, sink: sink) { return failure }
                }
            }
        } catch let error as ServerSentEventError {
            return AttemptFailure(error: GeminiError(kind: .malformedResponse, detail: error.description), retryable: false, cause: "decode")
        } catch {
            return Self.classifyTransportError(error)
        }
        if Task.isCancelled {
            return AttemptFailure(error: GeminiError(kind: .cancelled), retryable: false, cause: "cancelled")
        }
        do {
            try parser.finish()
        } catch {
            return AttemptFailure(error: GeminiError(kind: .malformedResponse, detail: error.description), retryable: false, cause: "decode")
        }
        let accumulated = sink.accumulated
        guard accumulated.hasAnswer else {
            return AttemptFailure(
                error: GeminiError(kind: .emptyAnswer, finishReason: accumulated.finishReason?.rawValue),
                retryable: false,
                cause: "empty"
            )
        }
        return nil
    }

    /// Checks and delivers one event; returns a failure that ends the attempt.
    private func handle(_ event: ServerSentEvent, status: Int, sink: StreamSink) -> AttemptFailure? {
        let chunk: GenerateContentResponse
        do {
            let json = try JSONValue(parsing: Data(event.data.utf8))
            if let upstream = ResponseReader.streamError(json) {
                // Gemini reports a failure inside a started stream as `{"error": {...}}`.
                let code = upstream.code.flatMap { (400...599).contains($0) ? $0 : nil } ?? 500
                return classifyStatus(code, upstream: GoogleErrorEnvelope(error: upstream))
            }
            chunk = try ResponseReader.response(json)
        } catch {
            return AttemptFailure(error: GeminiError(kind: .malformedResponse, httpStatus: status), retryable: false, cause: "decode")
        }
        if let blockReason = chunk.promptFeedback?.blockReason {
            return AttemptFailure(error: GeminiError(kind: .contentBlocked, blockReason: blockReason.rawValue), retryable: false, cause: "blocked")
        }
        let finishReason = chunk.candidates?.first?.finishReason
        if let finishReason, FinishReason.contentBlocking.contains(finishReason) {
            return AttemptFailure(error: GeminiError(kind: .contentBlocked, finishReason: finishReason.rawValue), retryable: false, cause: "blocked")
        }
        if finishReason == .malformedFunctionCall {
            return AttemptFailure(
                error: GeminiError(kind: .malformedResponse, finishReason: FinishReason.malformedFunctionCall.rawValue),
                retryable: false,
                cause: "decode"
            )
        }
        sink.deliver(chunk)
        if finishReason == .maxTokens {
            return AttemptFailure(
                error: GeminiError(kind: .outputTruncated, finishReason: FinishReason.maxTokens.rawValue),
                retryable: false,
                cause: "truncated"
            )
        }
        return nil
    }
}

/// `{"error": {...}}` sent as an event of a started stream.
/// Delivers chunks to the consumer and remembers what it delivered.
final class StreamSink: Sendable {
    private let continuation: AsyncThrowingStream<GenerateContentResponse, any Error>.Continuation
    private let state = NIOLockedValueBox(GeminiStreamAccumulator())
    /// The meter of the task that opened the stream (the producer and the consumer's
    /// cancellation may run elsewhere), and whether this stream's tokens went to it yet.
    private let meterOfCaller: GeminiUsageMeter?
    private let metered = NIOLockedValueBox(false)
    private let model: String

    init(continuation: AsyncThrowingStream<GenerateContentResponse, any Error>.Continuation, meter: GeminiUsageMeter?, model: String) {
        self.continuation = continuation
        self.meterOfCaller = meter
        self.model = model
    }

    /// Meters what the chunks so far reported, once per stream, whichever of the producer's end
    /// and the consumer's leaving comes first.
    func meter() {
        let first = self.metered.withLockedValue { metered in
            defer { metered = true }
            return !metered
        }
        guard first, let meter = self.meterOfCaller else { return }
        meter.spend(model: self.model, usage: self.accumulated.usage)
    }

    func finish(throwing error: (any Error)?) {
        self.continuation.finish(throwing: error)
    }

    /// True once a chunk has reached the consumer: from then on the call is never retried.
    var hasDelivered: Bool { state.withLockedValue { $0.chunkCount > 0 } }

    var accumulated: GeminiStreamAccumulator { state.withLockedValue { $0 } }

    func deliver(_ chunk: GenerateContentResponse) {
        state.withLockedValue { _ = $0.add(chunk) }
        continuation.yield(chunk)
    }
}
