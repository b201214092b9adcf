import NIOConcurrencyHelpers
import NIOCore

/// Caps calls in flight and the queue waiting behind them.
///
/// A caller takes a permit with ``acquire()``; when all `maxInFlight` permits are out it waits in
/// a FIFO queue of at most `maxQueued` callers, and beyond that fails at once with
/// `queueFull`. A waiting caller whose task is cancelled leaves the queue.
final class CallLimiter: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var inFlight = 0
        /// A ring buffer: the longest-waiting caller leaves in O(1) however long the queue is.
        var waiters = CircularBuffer<Waiter>()
        var nextID: UInt64 = 0
    }

    let maxInFlight: Int
    let maxQueued: Int
    private let state = NIOLockedValueBox(State())

    init(maxInFlight: Int, maxQueued: Int) {
        self.maxInFlight = max(1, maxInFlight)
        self.maxQueued = max(0, maxQueued)
    }

    /// Calls in flight and waiting, for tests and gauges.
    var snapshot: (inFlight: Int, queued: Int) {
        state.withLockedValue { ($0.inFlight, $0.waiters.count) }
    }

    /// Takes a permit, waiting for one if needed. Throws `queueFull` or `cancelled`.
    func acquire() async throws(GeminiError) {
        enum Decision { case granted, full, wait(UInt64) }
        let decision: Decision = state.withLockedValue { state in
            if state.inFlight < maxInFlight {
                state.inFlight += 1
                return .granted
            }
            if state.waiters.count >= maxQueued { return .full }
            state.nextID += 1
            return .wait(state.nextID)
        }
        switch decision {
        case .granted: return
        case .full: throw GeminiError(kind: .queueFull)
        case .wait(let id):
            do {
                try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                        let cancelled: Bool = state.withLockedValue { state in
                            if Task.isCancelled { return true }
                            state.waiters.append(Waiter(id: id, continuation: continuation))
                            return false
                        }
                        if cancelled { continuation.resume(throwing: CancellationError()) }
                    }
                } onCancel: {
                    let waiter: Waiter? = state.withLockedValue { state in
                        guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                        return state.waiters.remove(at: index)
                    }
                    waiter?.continuation.resume(throwing: CancellationError())
                }
            } catch {
                throw GeminiError(kind: .cancelled)
            }
        }
    }

    /// Returns a permit: hands it to the longest-waiting caller, if any.
    func release() {
        let next: Waiter? = state.withLockedValue { state in
            if state.waiters.isEmpty {
                state.inFlight -= 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.continuation.resume()
    }
}
