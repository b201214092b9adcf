import NIOConcurrencyHelpers
import Testing
import TestSupport

/// The stacks' turn-taking: a test that loads the machine on purpose takes every place, and
/// must neither start beside another stack nor hold up (or deadlock) the others.
@Suite struct AsyncSemaphoreTests {
    @Test func takingEveryPlaceWaitsForTheHoldersAndLetsOneAtATimeWaitersPass() async throws {
        let semaphore = AsyncSemaphore(2)
        let events = NIOLockedValueBox<[String]>([])
        await semaphore.acquire()  // held by "a test already running"
        let all = Task {
            await semaphore.acquireAll()
            events.withLockedValue { $0.append("all in") }
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(events.withLockedValue { $0 }.isEmpty, "one place is still held")
        // A test holding one place and asking for a second is not held back by the waiter for all.
        await semaphore.acquire()
        events.withLockedValue { $0.append("second place") }
        semaphore.release()
        semaphore.release()
        await all.value
        #expect(events.withLockedValue { $0 } == ["second place", "all in"])

        // While every place is taken, a waiter for one goes in once they are given back.
        let one = Task {
            await semaphore.acquire()
            events.withLockedValue { $0.append("one in") }
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(events.withLockedValue { $0 }.count == 2)
        semaphore.releaseAll()
        await one.value
        #expect(events.withLockedValue { $0 }.last == "one in")
        semaphore.release()
    }
}
