import AsyncHTTPClient
import Foundation
@testable import GeminiAPI
import GeminiSimulatorCore
import JSONText
import NIOCore
import Testing

@Suite("Gemini connections split over several pools")
struct UpstreamPoolsTests {
    @Test func poolsAreSizedSoNoneHoldsMoreThanItsShare() {
        #expect(UpstreamPools.poolSizes(maxInFlight: 0) == [1])
        #expect(UpstreamPools.poolSizes(maxInFlight: 64) == [64])
        #expect(UpstreamPools.poolSizes(maxInFlight: UpstreamPools.connectionsPerPool) == [UpstreamPools.connectionsPerPool])
        #expect(UpstreamPools.poolSizes(maxInFlight: UpstreamPools.connectionsPerPool + 1) == [65, 65])
        let many = UpstreamPools.poolSizes(maxInFlight: 10_000)
        #expect(many.count == 79)
        #expect(many.allSatisfy { $0 == 127 })
        #expect(many.reduce(0, +) >= 10_000)
    }

    /// 300 calls at once (unary and streamed) on a client allowed 300: three pools of 100, each
    /// carrying 100 of the calls, every call answered, and nothing counted once they are done.
    @Test func callsInFlightSpreadEvenlyAndAllAreAnswered() async throws {
        let calls = 300
        try await withHarness(maxInFlight: calls, maxQueued: 0) { harness in
            #expect(harness.client.pools.clients.count == 3)
            try await harness.queueFault("latency=2s", count: calls)
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<calls {
                    group.addTask {
                        let request = textRequest("call \(index)")
                        if index.isMultiple(of: 2) {
                            return try await harness.client.generateContent(model: "gemini-2.5-flash", request: request, deadline: soon(30)).text?.isEmpty == false
                        }
                        return try await !harness.client.streamGenerateContent(model: "gemini-2.5-flash", request: request, deadline: soon(30)).collect().text.isEmpty
                    }
                }
                let waitStarted = ContinuousClock.now
                while harness.client.load.inFlight < calls, ContinuousClock.now - waitStarted < .seconds(10) {
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(harness.client.load == (calls, 0))
                #expect(harness.client.pools.load == [100, 100, 100])
                var answered = 0
                for try await ok in group where ok { answered += 1 }
                #expect(answered == calls)
            }
            #expect(harness.client.pools.load == [0, 0, 0])
            #expect(harness.client.load == (0, 0))
        }
    }

    /// A quiet client keeps using the first pool (its warm connections are reused); a second
    /// call at the same time takes the next one.
    @Test func theFirstLeastLoadedPoolIsChosen() async throws {
        let pools = UpstreamPools(maxInFlight: 300) { _ in HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup) }
        let first = ObjectIdentifier(pools.clients[0])
        for _ in 0..<3 {
            #expect(await pools.withClient { ObjectIdentifier($0) } == first)
        }
        let nested = await pools.withClient { outer in
            await pools.withClient { inner in (ObjectIdentifier(outer), ObjectIdentifier(inner), pools.load) }
        }
        #expect(nested.0 == first)
        #expect(nested.1 == ObjectIdentifier(pools.clients[1]))
        #expect(nested.2 == [1, 1, 0])
        #expect(pools.load == [0, 0, 0])
        try await pools.shutdown()
    }

    /// A caller's shared client is used alone and left running.
    @Test func aSharedClientIsUsedAloneAndNotShutDown() async throws {
        let pools = UpstreamPools(shared: .shared)
        #expect(pools.clients.count == 1)
        #expect(await pools.withClient { $0 === HTTPClient.shared })
        try await pools.shutdown()
    }
}
