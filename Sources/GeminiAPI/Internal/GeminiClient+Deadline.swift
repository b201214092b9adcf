import NIOCore

// One deadline over the whole call, queueing, attempts and the waits between them included: the
// unary and the streaming call both run under it, so no retry outlives what the caller gave.
extension GeminiClient {
    /// Runs `operation` until `deadline`; when the deadline comes first the operation is
    /// cancelled and `deadlineExceeded` thrown.
    static func withDeadline<T: Sendable>(
        _ deadline: NIODeadline,
        attempts: AttemptCounter,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                let remaining = deadline - .now()
                if remaining > .zero {
                    try await Task.sleep(nanoseconds: UInt64(remaining.nanoseconds))
                }
                throw GeminiError(kind: .deadlineExceeded, attempts: attempts.value)
            }
            defer { group.cancelAll() }
            do {
                guard let value = try await group.next() else { throw GeminiError(kind: .cancelled) }
                return value
            } catch let error as GeminiError {
                if error.kind == .cancelled, deadline <= .now(), !Task.isCancelled {
                    throw GeminiError(kind: .deadlineExceeded, attempts: attempts.value)
                }
                throw error
            }
        }
    }
}
