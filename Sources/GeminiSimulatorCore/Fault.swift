import Foundation

/// A misbehaviour the simulator puts on for a test, parsed from a fault spec such as
/// `latency=200ms,status=503`. The rules are documented in `GeminiSimulator.swift`.
struct Fault: Sendable, Equatable {
    /// Wait this long before answering.
    var latency: Duration?
    /// Answer with this HTTP status in Google's error format.
    var status: Int?
    /// `RetryInfo.retryDelay` sent with a 429; `nil` sends none.
    var retryDelay: String? = "1s"
    /// Hold the request until the client goes away or the hang limit passes (then 504).
    var hang = false
    /// Answer 200 with a body that is not JSON.
    var malformedJSON = false
    /// Answer 200 with model text that is not valid JSON.
    var malformedOutput = false
    /// Block the prompt: `promptFeedback.blockReason` = `SAFETY`, no candidates.
    var safetyBlock = false
    /// End the candidate with this finish reason (no content for blocking reasons).
    var finishReason: String?
    /// Cut the answer short with `MAX_TOKENS`.
    var maxTokens = false
    /// A candidate with no parts.
    var empty = false
    /// No candidates and no prompt feedback.
    var noCandidates = false
    /// Streaming: wait this long between chunks.
    var chunkDelay: Duration?
    /// Streaming: drop the connection after the first chunk.
    var reset = false
    /// End the answer text, and every string in a JSON answer or function call's arguments,
    /// with a line break, as real models often do (checks that nothing trims it).
    var trailingNewline = false

    /// No fault.
    init() {}

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses a spec: tokens separated by `,` or `;`, whitespace ignored.
    init(spec: String) throws(ParseError) {
        let tokens = spec.split(whereSeparator: { $0 == "," || $0 == ";" })
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard !tokens.isEmpty else { throw ParseError(description: "empty fault spec") }
        for token in tokens {
            let pieces = token.split(separator: "=", maxSplits: 1).map(String.init)
            let name = pieces[0].lowercased()
            let value = pieces.count > 1 ? pieces[1] : nil
            switch (name, value) {
            case ("latency", let value?):
                guard let duration = Self.parseDuration(value) else {
                    throw ParseError(description: "latency needs a duration such as 200ms or 2s")
                }
                latency = duration
            case ("status", let value?):
                guard let code = Int(value), (400...599).contains(code) else {
                    throw ParseError(description: "status needs an HTTP error status (400-599)")
                }
                status = code
            case ("retry-delay", let value?):
                if value == "none" {
                    retryDelay = nil
                } else {
                    guard let duration = Self.parseDuration(value) else {
                        throw ParseError(description: "retry-delay needs a duration such as 2s, or none")
                    }
                    retryDelay = Self.protobufDuration(duration)
                }
            case ("chunk-delay", let value?):
                guard let duration = Self.parseDuration(value) else {
                    throw ParseError(description: "chunk-delay needs a duration such as 50ms or 1s")
                }
                chunkDelay = duration
            case ("finish", let value?):
                guard !value.isEmpty, value.allSatisfy({ $0.isUppercase || $0 == "_" }) else {
                    throw ParseError(description: "finish needs a finish reason such as SAFETY")
                }
                finishReason = value
            case ("hang", nil): hang = true
            case ("malformed-json", nil): malformedJSON = true
            case ("malformed-output", nil): malformedOutput = true
            case ("safety-block", nil): safetyBlock = true
            case ("max-tokens", nil): maxTokens = true
            case ("empty", nil): empty = true
            case ("no-candidates", nil): noCandidates = true
            case ("reset", nil): reset = true
            case ("trailing-newline", nil): trailingNewline = true
            default:
                throw ParseError(description: "unknown fault '\(token.prefix(40))'")
            }
        }
    }

    /// `200ms`, `2s`, `1.5s`, `1m`.
    static func parseDuration(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let number = Double(text.dropLast(suffix.count)), number >= 0, number <= 3600 / scale else { return nil }
            return .nanoseconds(Int64((number * scale * 1e9).rounded()))
        }
        return nil
    }

    /// A protobuf JSON duration (`"2s"`, `"0.250s"`).
    static func protobufDuration(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let millis = attoseconds / 1_000_000_000_000_000
        if millis == 0 { return "\(seconds)s" }
        let fraction = String(millis)
        return "\(seconds).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)s"
    }
}
