import AppSupport
import GeminiAPI
import RPCRuntime

extension RPCRouter {
    /// Meters the Gemini tokens each call spends into its closing status (PROTOCOL.md section
    /// 7), per model and whatever the outcome: the gateway's usage ledger reads them there, so
    /// a call that failed after the model answered is not free in the accounts.
    public mutating func meterGeminiUsage() {
        self.callScope = { context, handler in
            let usage = context.usage
            let meter = GeminiUsageMeter { model, tokens in
                usage.add(
                    model: model, promptTokens: Int64(tokens.promptTokens), outputTokens: Int64(tokens.outputTokens),
                    thoughtsTokens: Int64(tokens.thoughtsTokens), totalTokens: Int64(tokens.totalTokens)
                )
            }
            // The method's name (after the last slash) labels the Gemini metrics of the call.
            let task = context.method.split(separator: "/").last.map(String.init)
            try await CallLogContext.$requestID.withValue(context.metadata[Metadata.WellKnownKey.requestID]) {
                try await GeminiCallTask.$name.withValue(task) {
                    try await GeminiUsageMeter.$current.withValue(meter) { try await handler() }
                }
            }
        }
    }
}
