import NIOConcurrencyHelpers
import Testing

@testable import GatewayCore

@Suite struct DatabaseBreakerTests {
    @Test func aFailureSkipsTheDatabaseForAWhileThenItIsTriedAgain() {
        let clock = NIOLockedValueBox(ContinuousClock.now)
        let breaker = DatabaseBreaker(now: { clock.withLockedValue { $0 } })
        #expect(!breaker.isOpen)
        breaker.recordFailure()
        #expect(breaker.isOpen)
        clock.withLockedValue { $0 += .seconds(4) }
        #expect(breaker.isOpen)
        clock.withLockedValue { $0 += .seconds(2) }
        #expect(!breaker.isOpen)  // tried again after 5 s
        breaker.recordFailure()
        #expect(breaker.isOpen)
        breaker.recordSuccess()
        #expect(!breaker.isOpen)
    }
}
