import NIOConcurrencyHelpers

/// Lets at most `limit` holders in at once; the others wait in order. For tests that start
/// processes: dozens started together on a two-core machine starve each other past their
/// start-up and connect timeouts, so they take turns instead.
public final class AsyncSemaphore: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: NIOLockedValueBox<State>

    public init(_ limit: Int) {
        self.state = NIOLockedValueBox(State(available: max(1, limit)))
    }

    /// Waits for a place.
    public func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = self.state.withLockedValue { state in
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if admitted { continuation.resume() }
        }
    }

    /// Gives a place back: to the longest waiter, if any.
    public func release() {
        let next = self.state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
