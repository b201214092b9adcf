import Logging
import NIOConcurrencyHelpers
import NIOCore

// Whether and when a failed attempt is tried again: the one rule for the unary and the
// streaming call, so both retry alike.
extension GeminiClient {
    /// Throws the failure's error (with the attempt count) when it must not be retried: not
    /// retryable, retries used up, or the wait would pass the deadline. Otherwise waits
    /// (Gemini's `RetryInfo` delay, or backoff with jitter) and returns.
    func waitBeforeRetry(
        after failure: AttemptFailure,
        retryIndex: Int,
        deadline: NIODeadline,
        attempts: AttemptCounter,
        model: String,
        logger: Logger
    ) async throws(GeminiError) {
        var error = failure.error
        error.attempts = attempts.value
        let failureMetadata: Logger.Metadata = [
            "gemini.attempt": "\(attempts.value)",
            "gemini.retry_cause": "\(failure.cause)",
            "gemini.transport_error": "\(failure.transportDetail ?? "-")",
        ]
        guard failure.retryable, retryIndex < retry.maxRetries else {
            logger.debug("gemini attempt failed; not retried", metadata: failureMetadata)
            throw error
        }
        let wait = error.retryDelay ?? retry.jitter(retry.backoffCeiling(retry: retryIndex))
        guard wait.timeAmount < deadline - .now() else {
            logger.debug("gemini retry would pass the deadline", metadata: failureMetadata)
            throw error
        }
        metrics.recordRetry(model: model, cause: failure.cause)
        logger.debug(
            "gemini retrying",
            metadata: failureMetadata.merging(["gemini.retry_delay_ms": "\(wait.nanoseconds / 1_000_000)"]) { _, new in new }
        )
        do {
            try await retry.sleep(wait)
        } catch {
            throw GeminiError(kind: .cancelled, attempts: attempts.value)
        }
    }
}

/// Counts the HTTP requests of one call across tasks.
final class AttemptCounter: Sendable {
    private let count = NIOLockedValueBox(0)
    var value: Int { count.withLockedValue { $0 } }
    func increment() { count.withLockedValue { $0 += 1 } }
}
