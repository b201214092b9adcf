import NIOCore

/// How a ``GeminiClient`` reaches Gemini and how hard it tries. Each default is stated on its
/// member.
///
/// The API key is never shown: `description` and reflection (`dump`, string interpolation)
/// leave it out.
public struct GeminiClientConfiguration: Sendable, CustomStringConvertible, CustomReflectable {
    /// Scheme, host and optional port (and path prefix) of the API. Default
    /// `https://generativelanguage.googleapis.com`; point it at the simulator for offline runs.
    public var baseURL: String
    /// The API key, sent only in the `x-goog-api-key` header.
    public var apiKey: String
    /// Calls sent to Gemini at once by this client. Default 64.
    public var maxInFlight: Int
    /// Calls waiting for one of ``maxInFlight`` beyond it; a call finding the queue full fails
    /// at once with `UNAVAILABLE`. Default 256.
    public var maxQueued: Int
    /// Retry attempts and backoff. Default ``GeminiRetryPolicy/init(maxRetries:baseDelay:maxDelay:retryableStatusCodes:sleep:jitter:)``'s defaults.
    public var retry: GeminiRetryPolicy
    /// Largest response body read; a larger one is a malformed response. Default 16 MiB.
    public var maxResponseBytes: Int
    /// Time allowed to open a connection (when this client creates its own `HTTPClient`).
    /// Default 10 s.
    public var connectTimeout: TimeAmount

    /// The public Gemini API endpoint.
    public static let defaultBaseURL = "https://generativelanguage.googleapis.com"

    public init(
        apiKey: String,
        baseURL: String = GeminiClientConfiguration.defaultBaseURL,
        maxInFlight: Int = 64,
        maxQueued: Int = 256,
        retry: GeminiRetryPolicy = GeminiRetryPolicy(),
        maxResponseBytes: Int = 16 * 1024 * 1024,
        connectTimeout: TimeAmount = .seconds(10)
    ) {
        self.apiKey = apiKey
        self.baseURL = baseURL
        self.maxInFlight = maxInFlight
        self.maxQueued = maxQueued
        self.retry = retry
        self.maxResponseBytes = maxResponseBytes
        self.connectTimeout = connectTimeout
    }

    public var description: String {
        "GeminiClientConfiguration(baseURL: \(baseURL), apiKey: <redacted>, maxInFlight: \(maxInFlight), maxQueued: \(maxQueued), retry: \(retry))"
    }

    public var customMirror: Mirror {
        Mirror(self, children: ["baseURL": baseURL, "apiKey": "<redacted>", "maxInFlight": maxInFlight, "maxQueued": maxQueued])
    }
}

/// When and how long a ``GeminiClient`` waits before sending a call again.
///
/// Retried: HTTP 429, 500, 503 and 504 and connection failures; never 400, 403 or 404. The wait
/// before retry *n* (from 0) is Gemini's `RetryInfo.retryDelay` when it sent one, otherwise
/// "full jitter": a random duration between zero and `min(maxDelay, baseDelay × 2ⁿ)`. A retry
/// whose wait would end after the call's deadline is not made; the last error is thrown.
public struct GeminiRetryPolicy: Sendable, CustomStringConvertible {
    /// Retries after the first attempt. Default 3 (so at most 4 requests).
    public var maxRetries: Int
    /// Backoff base. Default 0.5 s.
    public var baseDelay: Duration
    /// Backoff cap (does not cap a `RetryInfo` delay). Default 8 s.
    public var maxDelay: Duration
    /// HTTP statuses that are retried. Default 429, 500, 503, 504.
    public var retryableStatusCodes: Set<Int>
    /// Waits between attempts. Default `Task.sleep(for:)`; tests inject one that records.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// Picks the wait from the backoff ceiling. Default a uniform random duration in
    /// `0...ceiling` (full jitter).
    public var jitter: @Sendable (Duration) -> Duration

    public init(
        maxRetries: Int = 3,
        baseDelay: Duration = .milliseconds(500),
        maxDelay: Duration = .seconds(8),
        retryableStatusCodes: Set<Int> = [429, 500, 503, 504],
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        jitter: @escaping @Sendable (Duration) -> Duration = GeminiRetryPolicy.fullJitter
    ) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.retryableStatusCodes = retryableStatusCodes
        self.sleep = sleep
        self.jitter = jitter
    }

    /// A uniform random duration between zero and `ceiling`.
    @Sendable public static func fullJitter(_ ceiling: Duration) -> Duration {
        let nanos = ceiling.nanoseconds
        guard nanos > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...nanos))
    }

    /// The backoff ceiling before retry `retry` (0 for the first retry).
    public func backoffCeiling(retry: Int) -> Duration {
        let factor = 1 << min(max(retry, 0), 30)
        let ceiling = baseDelay * factor
        return ceiling > maxDelay ? maxDelay : ceiling
    }

    public var description: String {
        "GeminiRetryPolicy(maxRetries: \(maxRetries), baseDelay: \(baseDelay), maxDelay: \(maxDelay), retryableStatusCodes: \(retryableStatusCodes.sorted()))"
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds > 0 ? .max : .min }
        return scaled &+ attoseconds / 1_000_000_000
    }

    var timeAmount: TimeAmount { .nanoseconds(nanoseconds) }
}
