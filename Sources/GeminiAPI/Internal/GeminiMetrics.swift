import Metrics

/// The client's metrics. Labels are the model name and fixed words only; never the key.
///
/// - `gemini_requests_total` {model, outcome}: calls, by `ok` or the error kind name.
/// - `gemini_request_duration` {model, outcome}: call latency, retries and queueing included.
/// - `gemini_retries_total` {model, cause}: retries, by `http_<status>` or `connection`.
/// - `gemini_tokens_total` {model, kind}: tokens, by `prompt`, `output`, `thoughts`.
struct GeminiMetrics: Sendable {
    func recordCall(model: String, outcome: String, durationNanoseconds: Int64) {
        let dimensions = [("model", model), ("outcome", outcome)]
        Counter(label: "gemini_requests_total", dimensions: dimensions).increment()
        Metrics.Timer(label: "gemini_request_duration", dimensions: dimensions).recordNanoseconds(durationNanoseconds)
    }

    func recordRetry(model: String, cause: String) {
        Counter(label: "gemini_retries_total", dimensions: [("model", model), ("cause", cause)]).increment()
    }

    func recordTokens(model: String, usage: GeminiUsage) {
        for (kind, count) in [("prompt", usage.promptTokens), ("output", usage.outputTokens), ("thoughts", usage.thoughtsTokens)]
        where count > 0 {
            Counter(label: "gemini_tokens_total", dimensions: [("model", model), ("kind", kind)]).increment(by: count)
        }
    }
}
