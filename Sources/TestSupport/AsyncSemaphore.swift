import NIOConcurrencyHelpers

/// Lets at most `limit` holders in at once; the others wait in order. For tests that start
/// processes: dozens started together on a two-core machine starve each other past their
/// start-up and connect timeouts, so they take turns instead.
///
/// A holder may also take every place (``acquireAll()``), for a test that loads the machine on
/// purpose and must not run beside the others. It waits until no place is held and nobody waits
/// for one; it holds nobody back meanwhile, so a test holding one place while it waits for a
/// second cannot deadlock with it (it may wait until the others are done).
public final class AsyncSemaphore: Sendable {
    private struct State {
        let limit: Int
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
        var waitersForAll: [CheckedContinuation<Void, Never>] = []

        /// Who may go in now that places came free: waiters for one place first, in order;
        /// then, when every place is free, the first waiter for all of them.
        mutating func admit() -> [CheckedContinuation<Void, Never>] {
            var admitted: [CheckedContinuation<Void, Never>] = []
            while available > 0, !waiters.isEmpty {
                available -= 1
                admitted.append(waiters.removeFirst())
            }
            if waiters.isEmpty, available == limit, !waitersForAll.isEmpty {
                available = 0
                admitted.append(waitersForAll.removeFirst())
            }
            return admitted
        }
    }

    private let state: NIOLockedValueBox<State>

    public init(_ limit: Int) {
        self.state = NIOLockedValueBox(State(limit: max(1, limit), available: max(1, limit)))
    }

    /// Waits for a place.
    public func acquire() async {
        await self.wait(in: \.waiters)
    }

    /// Waits until every place is free, and takes them all.
    public func acquireAll() async {
        await self.wait(in: \.waitersForAll)
    }

    /// Joins `queue` and waits until ``State/admit()`` lets this waiter in.
    private func wait(in queue: WritableKeyPath<State, [CheckedContinuation<Void, Never>]>) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = self.state.withLockedValue { state in
                state[keyPath: queue].append(continuation)
                return state.admit()
            }
            for waiter in admitted { waiter.resume() }
        }
    }

    /// Gives a place back: to the longest waiter, if any.
    public func release() {
        let admitted = self.state.withLockedValue { state in
            state.available += 1
            return state.admit()
        }
        for waiter in admitted { waiter.resume() }
    }

    /// Gives back every place an ``acquireAll()`` took.
    public func releaseAll() {
        let admitted = self.state.withLockedValue { state in
            state.available = state.limit
            return state.admit()
        }
        for waiter in admitted { waiter.resume() }
    }
}
