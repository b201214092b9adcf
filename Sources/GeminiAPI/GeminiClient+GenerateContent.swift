import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import Tracing

// The unary call. The streaming call (Streaming/GeminiClient+Streaming.swift) shares with it the
// checks before sending and the HTTP request (GeminiClient.swift), the deadline
// (Internal/GeminiClient+Deadline.swift), the retry decision (Internal/GeminiClient+Retry.swift)
// and the reading of failures (Internal/AttemptFailure.swift).
extension GeminiClient {
    /// Asks `model` to answer `request`: `POST {baseURL}/v1beta/models/{model}:generateContent`.
    ///
    /// - Parameters:
    ///   - model: A model name such as `gemini-2.5-flash` (a `models/` prefix is accepted).
    ///   - request: The prompt and options.
    ///   - deadline: When the call must be over, queueing, retries and waits included.
    /// - Returns: A response that passed ``GenerateContentResponse/validate()``: it has answer
    ///   text or a function call.
    /// - Throws: ``GeminiError`` only.
    public func generateContent(
        model: String,
        request: GenerateContentRequest,
        deadline: NIODeadline
    ) async throws -> GenerateContentResponse {
        let call = CallRecord(model: model, logger: self.logger, metrics: self.metrics)
        do {
            let response = try await self.send(model: try call.validModelName(), request: request, deadline: deadline, logger: call.logger)
            call.succeeded(usage: response.usage)
            return response
        } catch {
            throw call.failed(error)
        }
    }

    private func send(
        model: String,
        request: GenerateContentRequest,
        deadline: NIODeadline,
        logger: Logger
    ) async throws(GeminiError) -> GenerateContentResponse {
        let body = try self.requestBody(request, deadline: deadline)

        let url = "\(baseURL)/v1beta/models/\(model):generateContent"
        let attempts = AttemptCounter()
        do {
            return try await Self.withDeadline(deadline, attempts: attempts) {
                try await self.limiter.acquire()
                defer { self.limiter.release() }
                let response = try await self.sendWithRetries(
                    url: url, body: body, model: model, deadline: deadline, attempts: attempts, logger: logger
                )
                // Before the checks: a blocked or truncated answer cost its tokens too.
                GeminiUsageMeter.spent(model: model, usage: response.usage)
                do throws(GeminiError) {
                    try response.validate()
                } catch {
                    var error = error
                    error.attempts = attempts.value
                    throw error
                }
                return response
            }
        } catch let error as GeminiError {
            throw error
        } catch {
            throw GeminiError(kind: .cancelled, attempts: attempts.value)
        }
    }

    private func sendWithRetries(
        url: String,
        body: ByteBuffer,
        model: String,
        deadline: NIODeadline,
        attempts: AttemptCounter,
        logger: Logger
    ) async throws(GeminiError) -> GenerateContentResponse {
        var retryIndex = 0
        while true {
            guard !Task.isCancelled else { throw GeminiError(kind: .cancelled, attempts: attempts.value) }
            attempts.increment()
            let span = GeminiTracing.startAttempt(model: model, attempt: attempts.value, streaming: false, serverAddress: self.serverAddress)
            let failure: AttemptFailure
            switch await attempt(url: url, body: body, deadline: deadline, span: span) {
            case .success(let response):
                GeminiTracing.finish(span, usage: response.usage, failure: nil)
                return response
            case .failure(let attemptFailure):
                GeminiTracing.finish(span, usage: nil, failure: attemptFailure)
                failure = attemptFailure
            }
            try await waitBeforeRetry(
                after: failure, retryIndex: retryIndex, deadline: deadline, attempts: attempts, model: model, logger: logger
            )
            retryIndex += 1
        }
    }

    /// One HTTP request; never throws, so the retry loop sees every outcome.
    private func attempt(url: String, body: ByteBuffer, deadline: NIODeadline, span: any Span) async -> Result<GenerateContentResponse, AttemptFailure> {
        let request = self.httpRequest(url: url, body: body, accept: "application/json")
        let status: Int
        let bytes: ByteBuffer
        do {
            (status, bytes) = try await pools.withClient { httpClient in
                let response = try await httpClient.execute(request, deadline: deadline)
                let status = Int(response.status.code)
                GeminiTracing.record(status: status, on: span)
                return (status, try await response.body.collect(upTo: maxResponseBytes))
            }
        } catch is NIOTooManyBytesError {
            return .failure(AttemptFailure(error: GeminiError(kind: .malformedResponse, detail: "the response is too large"), retryable: false, cause: "size"))
        } catch {
            return .failure(Self.classifyTransportError(error))
        }

        guard (200..<300).contains(status) else {
            return .failure(classifyStatus(status, body: bytes))
        }
        do {
            return .success(try ResponseReader.response(from: Data(buffer: bytes, byteTransferStrategy: .noCopy)))
        } catch {
            return .failure(AttemptFailure(error: GeminiError(kind: .malformedResponse, httpStatus: status), retryable: false, cause: "decode"))
        }
    }
}
