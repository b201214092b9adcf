import AsyncHTTPClient
import Foundation
import GeminiAPI
import NIOCore
import NIOHTTP1
import RPCProto
import RPCRuntime

/// The floor's back process: an RPC server whose two methods POST the request's bytes to the
/// upstream and send its answer back as it came (one message, or one per chunk read), through
/// the same split AsyncHTTPClient pools the Gemini client uses.
struct FloorBack: Sendable {
    let pools: UpstreamPools
    /// The upstream's base URL, e.g. `http://127.0.0.1:8080`.
    let upstream: String
    let generatePath: String
    let streamPath: String
    /// Sent as `x-goog-api-key`: the simulator's fake key (the floor never talks to Google).
    let apiKey: String
    /// Most bytes read from one unary answer.
    static let maxAnswerBytes = 8 << 20

    var router: RPCRouter {
        var router = RPCRouter()
        router.register(FloorMethods.generate) { request, _ in try await self.generate(request.payload) }
        router.register(FloorMethods.stream) { request, writer, _ in try await self.stream(request.payload, to: writer) }
        return router
    }

    private func generate(_ body: Data) async throws -> Career_V1_CallMessage {
        try await self.pools.withClient { http in
            let response = try await http.execute(self.request(self.generatePath, body: body, accept: "application/json"), timeout: .seconds(120))
            try Self.check(response)
            return FloorMethods.message(try await response.body.collect(upTo: Self.maxAnswerBytes))
        }
    }

    private func stream(_ body: Data, to writer: ResponseWriter<Career_V1_CallMessage>) async throws {
        try await self.pools.withClient { http in
            let response = try await http.execute(self.request(self.streamPath, body: body, accept: "text/event-stream"), timeout: .seconds(120))
            try Self.check(response)
            for try await chunk in response.body {
                try await writer.write(FloorMethods.message(chunk))
            }
        }
    }

    private func request(_ path: String, body: Data, accept: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: self.upstream + path)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: accept)
        request.headers.add(name: "x-goog-api-key", value: self.apiKey)
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }

    /// An upstream answer other than 200 fails the call (the front answers 502).
    private static func check(_ response: HTTPClientResponse) throws {
        guard response.status == .ok else {
            throw RPCError(code: .unavailable, message: "the upstream answered \(response.status.code)", reason: "UPSTREAM_STATUS")
        }
    }

    /// Pools for `maxInFlight` calls at once, on NIO's singleton group. The floor has no
    /// `CallLimiter` in front of them: the benchmark sizes `maxInFlight` at its most calls at once.
    static func makePools(maxInFlight: Int) -> UpstreamPools {
        UpstreamPools(maxInFlight: maxInFlight) { connectionLimit in
            var configuration = HTTPClient.Configuration()
            configuration.tracing.tracer = nil
            configuration.timeout = .init(connect: .seconds(10))
            configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionLimit)
            return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        }
    }
}
