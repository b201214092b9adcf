import Foundation
import Tracing

/// One client span per HTTP attempt at Gemini, after OpenTelemetry's GenAI conventions:
/// `generate_content gemini-2.5-flash`, with the model, the attempt number, the HTTP status,
/// the token counts, and on failure the retry metric's cause as `error.type`. A retried call
/// shows as sibling attempt spans under the call's RPC span.
///
/// Never in a span: the prompt, the answer, the URL's query or the key (which only ever
/// travels in the `x-goog-api-key` header).
enum GeminiTracing {
    static func startAttempt(model: String, attempt: Int, streaming: Bool, serverAddress: String?) -> any Span {
        let span = startSpan("generate_content \(model)", ofKind: .client)
        guard span.isRecording else { return span }
        span.attributes["gen_ai.operation.name"] = "generate_content"
        span.attributes["gen_ai.provider.name"] = "gcp.gemini"
        span.attributes["gen_ai.request.model"] = model
        span.attributes["gemini.attempt"] = attempt
        span.attributes["gemini.streaming"] = streaming
        if let serverAddress { span.attributes["server.address"] = serverAddress }
        return span
    }

    static func record(status: Int, on span: any Span) {
        span.attributes["http.response.status_code"] = status
    }

    /// Ends an attempt's span: its usage on success (cumulative, for a stream), its cause on failure.
    static func finish(_ span: any Span, usage: GeminiUsage?, failure: GeminiClient.AttemptFailure?) {
        if span.isRecording {
            if let usage {
                span.attributes["gen_ai.usage.input_tokens"] = usage.promptTokens
                span.attributes["gen_ai.usage.output_tokens"] = usage.outputTokens
                span.attributes["gemini.usage.thoughts_tokens"] = usage.thoughtsTokens
            }
            if let failure {
                span.attributes["error.type"] = failure.cause
                span.attributes["gemini.retryable"] = failure.retryable
                span.setStatus(SpanStatus(code: .error, message: "\(failure.error.kind)"))
            }
        }
        span.end()
    }

    /// The host of the base URL, for `server.address`.
    static func serverAddress(of baseURL: String) -> String? {
        URLComponents(string: baseURL)?.host
    }
}
