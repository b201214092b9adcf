/// Where the tokens of every Gemini answer go, for the task that set one: every answer that
/// reached the client is metered once, whether it was then used or refused (blocked,
/// truncated, empty; a structured answer the caller found malformed), streamed ones included
/// (what their chunks reported, however the stream ended). The services set one per RPC call,
/// so the call's closing status reports what it cost, failures included.
public struct GeminiUsageMeter: Sendable {
    /// The meter of the current task and its child tasks; nil: nothing is metered.
    @TaskLocal public static var current: GeminiUsageMeter?

    private let record: @Sendable (_ model: String, _ usage: GeminiUsage) -> Void

    /// `record` gets each answer's model name and tokens.
    public init(_ record: @escaping @Sendable (_ model: String, _ usage: GeminiUsage) -> Void) {
        self.record = record
    }

    /// Meters `usage` of `model` with the current task's meter, if any (the client does, for
    /// every answer it receives).
    static func spent(model: String, usage: GeminiUsage) {
        Self.current?.spend(model: model, usage: usage)
    }

    /// Meters `usage` of `model` with this meter.
    func spend(model: String, usage: GeminiUsage) {
        guard usage != .zero else { return }
        self.record(model, usage)
    }
}
