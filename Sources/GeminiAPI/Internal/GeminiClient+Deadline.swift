import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

// One deadline over the whole call, queueing, attempts and the waits between them included: the
// unary and the streaming call both run under it, so no retry outlives what the caller gave.
extension GeminiClient {
    /// Runs `operation` until `deadline`; when the deadline comes first the operation is
    /// cancelled and `deadlineExceeded` thrown.
    ///
    /// The deadline is an event-loop timer, cancelled when the operation ends. (It was a sleeping
    /// child task: with NIO as the executor `Task.sleep` is a libdispatch timer that stays armed
    /// after a cancel, so every call left a timer, and the task it held, for up to the whole
    /// deadline, 120 s by default.)
    static func withDeadline<T: Sendable>(
        _ deadline: NIODeadline,
        attempts: AttemptCounter,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let expired = NIOLockedValueBox(false)
        let work = Task { try await operation() }
        let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(deadline: deadline) {
            expired.withLockedValue { $0 = true }
            work.cancel()
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            do {
                return try await work.value
            } catch {
                // The timer fired, or the call stopped as cancelled after its deadline passed
                // (and not because the caller cancelled it).
                let cancelledLate = (error as? GeminiError)?.kind == .cancelled && deadline <= .now() && !Task.isCancelled
                if expired.withLockedValue({ $0 }) || cancelledLate {
                    throw GeminiError(kind: .deadlineExceeded, attempts: attempts.value)
                }
                throw error
            }
        } onCancel: {
            work.cancel()
        }
    }
}
