/// Why a Gemini call failed.
///
/// A struct around a private enumeration (as `HTTPClientError` is): compare ``kind`` with the
/// static members of ``Kind``, read the gRPC ``code`` and the stable ``reason`` to map it to an
/// answer, and show ``message`` to people. None of them ever holds the API key, the request or
/// the upstream's response body; upstream details are limited to its HTTP status and its
/// canonical status name (`RESOURCE_EXHAUSTED`, …).
public struct GeminiError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure. Its ``Kind/name`` is stable and safe as a metric label.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case invalidRequest = "invalid_request"
            case upstreamRejected = "upstream_rejected"
            case rateLimited = "rate_limited"
            case unavailable = "unavailable"
            case connectionFailed = "connection_failed"
            case queueFull = "queue_full"
            case shutdown = "shutdown"
            case deadlineExceeded = "deadline_exceeded"
            case cancelled = "cancelled"
            case contentBlocked = "content_blocked"
            case outputTruncated = "output_truncated"
            case emptyAnswer = "empty_answer"
            case malformedResponse = "malformed_response"
        }

        fileprivate let base: Base

        /// A stable snake_case name (`rate_limited`, …).
        public var name: String { base.rawValue }
        public var description: String { base.rawValue }

        /// We refused to send the request (a bad model name, an unencodable body).
        /// `INVALID_ARGUMENT`, reason `INVALID_REQUEST`.
        public static let invalidRequest = Kind(base: .invalidRequest)
        /// Gemini refused our request: 400, 401, 403, 404 or another 4xx but 429. Never retried.
        /// `INTERNAL`, reason `UPSTREAM_REJECTED`.
        public static let upstreamRejected = Kind(base: .upstreamRejected)
        /// Gemini answered 429 on every attempt. `RESOURCE_EXHAUSTED`, reason
        /// `UPSTREAM_RATE_LIMITED`; ``GeminiError/retryDelay`` holds its `RetryInfo`.
        public static let rateLimited = Kind(base: .rateLimited)
        /// Gemini answered 500, 503, 504 (or another 5xx) on every attempt. `UNAVAILABLE`,
        /// reason `UPSTREAM_UNAVAILABLE`.
        public static let unavailable = Kind(base: .unavailable)
        /// No connection to Gemini could be made or kept, on every attempt. `UNAVAILABLE`,
        /// reason `UPSTREAM_UNREACHABLE`.
        public static let connectionFailed = Kind(base: .connectionFailed)
        /// Too many calls in flight and the wait queue is full: failed at once, never sent.
        /// `UNAVAILABLE`, reason `GEMINI_QUEUE_FULL`.
        public static let queueFull = Kind(base: .queueFull)
        /// The client was shut down. `UNAVAILABLE`, reason `CLIENT_SHUT_DOWN`.
        public static let shutdown = Kind(base: .shutdown)
        /// The call's deadline passed. `DEADLINE_EXCEEDED`, reason `DEADLINE_EXCEEDED`.
        public static let deadlineExceeded = Kind(base: .deadlineExceeded)
        /// The calling task was cancelled. `CANCELLED`, reason `CANCELLED`.
        public static let cancelled = Kind(base: .cancelled)
        /// The prompt or the answer was blocked for safety or policy. `FAILED_PRECONDITION`,
        /// reason `CONTENT_BLOCKED`.
        public static let contentBlocked = Kind(base: .contentBlocked)
        /// The answer stopped at the output token limit (`MAX_TOKENS`). `INTERNAL`, reason
        /// `OUTPUT_TRUNCATED`.
        public static let outputTruncated = Kind(base: .outputTruncated)
        /// No candidate, or a candidate with no answer text and no function call. `INTERNAL`,
        /// reason `EMPTY_ANSWER`.
        public static let emptyAnswer = Kind(base: .emptyAnswer)
        /// The response could not be read as a `GenerateContentResponse`, or the model's
        /// output did not have the required form. `INTERNAL`, reason `MALFORMED_MODEL_OUTPUT`.
        public static let malformedResponse = Kind(base: .malformedResponse)
    }

    /// A gRPC canonical status name.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The canonical name, e.g. `UNAVAILABLE`.
        public let name: String
        public var description: String { name }
        private init(_ name: String) { self.name = name }

        public static let cancelled = Code("CANCELLED")
        public static let invalidArgument = Code("INVALID_ARGUMENT")
        public static let deadlineExceeded = Code("DEADLINE_EXCEEDED")
        public static let resourceExhausted = Code("RESOURCE_EXHAUSTED")
        public static let failedPrecondition = Code("FAILED_PRECONDITION")
        public static let `internal` = Code("INTERNAL")
        public static let unavailable = Code("UNAVAILABLE")
    }

    /// What went wrong.
    public let kind: Kind
    /// The HTTP status Gemini answered with on the last attempt, when it answered.
    public let httpStatus: Int?
    /// Gemini's canonical status name (`error.status`) on the last attempt, when it sent one.
    public let upstreamStatus: String?
    /// How long Gemini asked us to wait (`google.rpc.RetryInfo.retryDelay`), when it did.
    public let retryDelay: Duration?
    /// `promptFeedback.blockReason` of a blocked prompt.
    public let blockReason: String?
    /// The candidate's `finishReason` when it caused the error.
    public let finishReason: String?
    /// How many HTTP requests were sent (0 when none was).
    public internal(set) var attempts: Int
    private let detail: String?

    init(
        kind: Kind,
        httpStatus: Int? = nil,
        upstreamStatus: String? = nil,
        retryDelay: Duration? = nil,
        blockReason: String? = nil,
        finishReason: String? = nil,
        attempts: Int = 0,
        detail: String? = nil
    ) {
        self.kind = kind
        self.httpStatus = httpStatus
        self.upstreamStatus = upstreamStatus.flatMap(Self.safeStatusName)
        self.retryDelay = retryDelay
        self.blockReason = blockReason.flatMap(Self.safeStatusName)
        self.finishReason = finishReason.flatMap(Self.safeStatusName)
        self.attempts = attempts
        self.detail = detail
    }

    /// An error for a model answer that does not have the form the caller asked for, e.g. JSON
    /// that fails its schema. `detail` must be a fixed text of the caller's (never model output
    /// or user data): it becomes part of ``message``.
    public static func malformedModelOutput(_ detail: String) -> GeminiError {
        GeminiError(kind: .malformedResponse, detail: detail)
    }

    /// The gRPC status code this error maps to.
    public var code: Code {
        switch kind.base {
        case .invalidRequest: .invalidArgument
        case .upstreamRejected, .outputTruncated, .emptyAnswer, .malformedResponse: .internal
        case .rateLimited: .resourceExhausted
        case .unavailable, .connectionFailed, .queueFull, .shutdown: .unavailable
        case .deadlineExceeded: .deadlineExceeded
        case .cancelled: .cancelled
        case .contentBlocked: .failedPrecondition
        }
    }

    /// A stable machine-readable reason (`UPSTREAM_REJECTED`, `CONTENT_BLOCKED`, …).
    public var reason: String {
        switch kind.base {
        case .invalidRequest: "INVALID_REQUEST"
        case .upstreamRejected: "UPSTREAM_REJECTED"
        case .rateLimited: "UPSTREAM_RATE_LIMITED"
        case .unavailable: "UPSTREAM_UNAVAILABLE"
        case .connectionFailed: "UPSTREAM_UNREACHABLE"
        case .queueFull: "GEMINI_QUEUE_FULL"
        case .shutdown: "CLIENT_SHUT_DOWN"
        case .deadlineExceeded: "DEADLINE_EXCEEDED"
        case .cancelled: "CANCELLED"
        case .contentBlocked: "CONTENT_BLOCKED"
        case .outputTruncated: "OUTPUT_TRUNCATED"
        case .emptyAnswer: "EMPTY_ANSWER"
        case .malformedResponse: "MALFORMED_MODEL_OUTPUT"
        }
    }

    /// A short, safe explanation for logs and answers.
    public var message: String {
        var text: String
        switch kind.base {
        case .invalidRequest: text = "The Gemini request is invalid"
        case .upstreamRejected: text = "Gemini refused the request"
        case .rateLimited: text = "Gemini is rate limiting requests"
        case .unavailable: text = "Gemini is unavailable or overloaded"
        case .connectionFailed: text = "Gemini could not be reached"
        case .queueFull: text = "Too many Gemini calls are waiting"
        case .shutdown: text = "The Gemini client is shut down"
        case .deadlineExceeded: text = "The Gemini call ran out of time"
        case .cancelled: text = "The Gemini call was cancelled"
        case .contentBlocked: text = "Gemini blocked the content"
        case .outputTruncated: text = "The Gemini answer was cut off at the output token limit"
        case .emptyAnswer: text = "Gemini returned no answer"
        case .malformedResponse: text = "The Gemini answer was malformed"
        }
        var facts: [String] = []
        if let httpStatus { facts.append("HTTP \(httpStatus)") }
        if let upstreamStatus { facts.append(upstreamStatus) }
        if let blockReason { facts.append("blockReason \(blockReason)") }
        if let finishReason { facts.append("finishReason \(finishReason)") }
        if let retryDelay { facts.append("retry after \(retryDelay.formattedSeconds)") }
        if !facts.isEmpty { text += " (" + facts.joined(separator: ", ") + ")" }
        if let detail { text += ": " + detail }
        return text
    }

    public var description: String {
        "GeminiError(\(code.name), \(reason)): \(message)" + (attempts > 1 ? " after \(attempts) attempts" : "")
    }

    /// Keeps only canonical-looking names (`[A-Z0-9_]`, at most 64 characters), so nothing
    /// free-form from upstream reaches a message or a label.
    private static func safeStatusName(_ value: String) -> String? {
        guard !value.isEmpty, value.count <= 64,
            value.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" })
        else { return nil }
        return value
    }
}

extension Duration {
    var formattedSeconds: String {
        let (seconds, attoseconds) = components
        let millis = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if millis % 1000 == 0 { return "\(millis / 1000)s" }
        return "\(Double(millis) / 1000)s"
    }
}
