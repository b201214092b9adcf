import Metrics

/// The client's metrics. Labels are the model name, the task and fixed words only; never the key.
///
/// - `gemini_requests_total` {model, task, outcome}: calls, by `ok` or the error kind name.
/// - `gemini_request_duration` {model, task, outcome}: call latency, retries and queueing included.
/// - `gemini_retries_total` {model, task, cause}: retries, by `http_<status>` or `connection`.
/// - `gemini_tokens_total` {model, task, kind}: tokens, by `prompt`, `output`, `thoughts`.
struct GeminiMetrics: Sendable {
    private var task: String { GeminiCallTask.name ?? "none" }

    func recordCall(model: String, outcome: String, durationNanoseconds: Int64) {
        let dimensions = [("model", model), ("task", self.task), ("outcome", outcome)]
        Counter(label: "gemini_requests_total", dimensions: dimensions).increment()
        Metrics.Timer(label: "gemini_request_duration", dimensions: dimensions).recordNanoseconds(durationNanoseconds)
    }

    func recordRetry(model: String, cause: String) {
        Counter(label: "gemini_retries_total", dimensions: [("model", model), ("task", self.task), ("cause", cause)]).increment()
    }

    func recordTokens(model: String, usage: GeminiUsage) {
        let task = self.task
        for (kind, count) in [("prompt", usage.promptTokens), ("output", usage.outputTokens), ("thoughts", usage.thoughtsTokens)]
        where count > 0 {
            Counter(label: "gemini_tokens_total", dimensions: [("model", model), ("task", task), ("kind", kind)]).increment(by: count)
        }
    }
}

/// The task a Gemini call is made for, the `task` label of the client's metrics: the name of the
/// RPC method being answered (`InterviewQuestions`, `Chat`), which a service binds around each
/// call, so the label set stays the registered methods. `none` outside a call.
public enum GeminiCallTask {
    @TaskLocal public static var name: String?
}
