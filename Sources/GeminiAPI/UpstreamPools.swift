import AsyncHTTPClient
import NIOConcurrencyHelpers

/// The Gemini client's HTTP connections, split over several AsyncHTTPClient pools when many calls
/// may be in flight at once.
///
/// Why: AsyncHTTPClient's HTTP/1 pool walks every one of its connections each time a request
/// starts or a connection comes back (`findIdleConnection`, `connectionStats`, copying each
/// connection's state), so its work per call grows with the calls in flight. With 10,000
/// streams held at once (one HTTP/1 connection each) that walk was a third of the generation
/// service's CPU. Pools of at most ``connectionsPerPool`` connections keep it short.
///
/// Each attempt takes the pool with the fewest requests in flight (the first such, so a quiet
/// client keeps reusing the first pool's warm connections). Each pool may open
/// `ceil(maxInFlight / pools)` connections, and the client's ``CallLimiter`` lets at most
/// `maxInFlight` attempts run, so the pool chosen always has room: no request waits inside
/// AsyncHTTPClient for a connection another pool could have given.
///
/// Public for `StackFloor`, which measures the stack's frameworks with the same pools.
public final class UpstreamPools: Sendable {
    /// Most connections one pool opens: 128.
    public static let connectionsPerPool = 128

    let clients: [HTTPClient]
    private let ownsClients: Bool
    private let inFlight: NIOLockedValueBox<[Int]>

    /// One pool per ``connectionsPerPool`` of `maxInFlight`, each made by `makeClient` with its
    /// connection limit.
    public init(maxInFlight: Int, makeClient: (_ connectionLimit: Int) -> HTTPClient) {
        let counts = Self.poolSizes(maxInFlight: maxInFlight)
        self.clients = counts.map(makeClient)
        self.ownsClients = true
        self.inFlight = NIOLockedValueBox(Array(repeating: 0, count: counts.count))
    }

    /// A caller's own client, used alone and never shut down here.
    init(shared client: HTTPClient) {
        self.clients = [client]
        self.ownsClients = false
        self.inFlight = NIOLockedValueBox([0])
    }

    /// The connection limit of each pool for `maxInFlight` calls: as many pools as needed so that
    /// none exceeds ``connectionsPerPool``, the calls spread evenly (rounded up).
    static func poolSizes(maxInFlight: Int) -> [Int] {
        let total = max(1, maxInFlight)
        let pools = (total + Self.connectionsPerPool - 1) / Self.connectionsPerPool
        return Array(repeating: (total + pools - 1) / pools, count: pools)
    }

    /// Runs `body` with the pool that has the fewest requests in flight, counted as one more
    /// until `body` returns (a streamed answer is read inside it).
    public func withClient<T>(_ body: (HTTPClient) async throws -> T) async rethrows -> T {
        let index = self.inFlight.withLockedValue { counts in
            var best = 0
            for candidate in counts.indices.dropFirst() where counts[candidate] < counts[best] { best = candidate }
            counts[best] += 1
            return best
        }
        defer { self.inFlight.withLockedValue { $0[index] -= 1 } }
        return try await body(self.clients[index])
    }

    /// Requests in flight per pool, for tests.
    var load: [Int] { self.inFlight.withLockedValue { $0 } }

    /// Shuts down the pools this object made (not a caller's shared client).
    public func shutdown() async throws {
        guard self.ownsClients else { return }
        var firstError: (any Error)?
        for client in self.clients {
            do { try await client.shutdown() } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }
}
