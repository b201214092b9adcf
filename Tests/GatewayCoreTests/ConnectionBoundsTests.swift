import AppSupport
import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing
import TestSupport

@testable import GatewayCore

/// The connection bounds of the real server (`buildGateway`), over real sockets.
@Suite struct ConnectionBoundsTests {
    /// Runs the whole gateway on a free port with `environment`, for the duration of `body`.
    func withGateway(_ environment: [String: String], _ body: @Sendable (Int) async throws -> Void) async throws {
        // A database of its own: never the working directory's ./data.
        let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dataDirectory) }
        var settings = [
            "RPC_INSECURE": "1", "AUTH_DISABLED": "1", "PORT": "0", "GENERATION_ADDR": "127.0.0.1:1", "COACH_ADDR": "127.0.0.1:1",
            "DATA_DIR": dataDirectory.path,
        ]
        settings.merge(environment) { _, new in new }
        let configuration = try GatewayConfiguration(reader: ConfigurationReader(environment: settings))
        let port = NIOLockedValueBox<Int?>(nil)
        let app = try await buildGateway(configuration: configuration, logger: quietLogger) { bound in port.withLockedValue { $0 = bound } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: quietLogger))
            group.addTask { try await services.run() }
            // Shut down gracefully, never by cancelling: a cancelled server drops connections
            // it accepted but had not served yet (the capped ones here), and NIO traps on that
            // ("Deinited NIOAsyncWriter without calling finish()", apple/swift-nio#3481).
            do {
                try await waitUntil { port.withLockedValue { $0 } != nil }
                try await body(port.withLockedValue { $0 } ?? 0)
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }

    static func connect(_ port: Int) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { _ in MultiThreadedEventLoopGroup.singleton.any().makeSucceededVoidFuture() }
            .connect(host: "127.0.0.1", port: port).get()
    }

    @Test func aSilentConnectionIsClosedAfterTheIdleTimeout() async throws {
        try await self.withGateway(["HTTP_IDLE_TIMEOUT_SECONDS": "1"]) { port in
            let silent = try await Self.connect(port)
            // Never sends a request head: the server closes it (20 s is only a hang guard).
            let closed = NIOLockedValueBox(false)
            silent.closeFuture.whenComplete { _ in closed.withLockedValue { $0 = true } }
            try await waitUntil { closed.withLockedValue { $0 } }
            #expect(closed.withLockedValue { $0 })
        }
    }

    /// Sends `bytes` one at a time, 200 ms apart (a slowloris client), until the server closes
    /// the connection; true when it did so before the last byte.
    static func trickle(_ bytes: [UInt8], to channel: any Channel) async -> Bool {
        let closed = NIOLockedValueBox(false)
        channel.closeFuture.whenComplete { _ in closed.withLockedValue { $0 = true } }
        for byte in bytes {
            if closed.withLockedValue({ $0 }) { return true }
            try? await channel.writeAndFlush(ByteBuffer(bytes: [byte]))
            try? await Task.sleep(for: .milliseconds(200))
        }
        return closed.withLockedValue { $0 }
    }

    /// A request head long enough to take 20 s at 5 bytes a second.
    static let slowHead = Array("POST /api/v1/interview/questions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nX-Padding: \(String(repeating: "a", count: 40))\r\n".utf8)

    @Test func aTrickledRequestHeadIsCutOffByTheIdleTimeout() async throws {
        try await self.withGateway(["HTTP_IDLE_TIMEOUT_SECONDS": "1"]) { port in
            let slow = try await Self.connect(port)
            async let cut = Self.trickle(Self.slowHead, to: slow)
            // Meanwhile other clients are served.
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(30))
            #expect(response.status.code == 200)
            #expect(await cut, "the trickling client was still connected after its whole head")
        }
    }

    @Test func aTrickledRequestBodyIsCutOffByTheBodyTimeout() async throws {
        // The idle timeout is long, and every body byte would reset it anyway.
        try await self.withGateway(["HTTP_IDLE_TIMEOUT_SECONDS": "60", "HTTP_BODY_TIMEOUT_SECONDS": "1"]) { port in
            let slow = try await Self.connect(port)
            let head = "POST /api/v1/interview/questions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
            try await slow.writeAndFlush(ByteBuffer(string: head))
            async let cut = Self.trickle(Array(repeating: UInt8(ascii: " "), count: 100), to: slow)
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(30))
            #expect(response.status.code == 200)
            #expect(await cut, "the trickling client was still connected after 20 s of body")
        }
    }

    @Test func aBodyThatArrivesInTimeIsNotCut() async throws {
        try await self.withGateway(["HTTP_BODY_TIMEOUT_SECONDS": "1"]) { port in
            // Sent whole, then the route takes its time (the services are unreachable here):
            // the body deadline ends with the body, so the answer is the route's, not a cut.
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/interview/questions")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: #"{"jobDescription": "Engineer"}"#))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(response.status.code == 503)
        }
    }

    @Test func connectionsBeyondTheCapWaitForOneToClose() async throws {
        try await self.withGateway(["HTTP_MAX_CONNECTIONS": "1", "HTTP_IDLE_TIMEOUT_SECONDS": "60"]) { port in
            let first = try await Self.connect(port)
            // Let the server accept the first connection before the second arrives.
            try await Task.sleep(for: .milliseconds(200))
            let answered = NIOLockedValueBox(false)
            let second = Task {
                let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(30))
                answered.withLockedValue { $0 = true }
                return response.status.code
            }
            try await Task.sleep(for: .milliseconds(300))
            // Cannot fail falsely: with the cap working, the second call cannot be answered yet.
            #expect(answered.withLockedValue { $0 } == false)
            try await first.close()
            #expect(try await second.value == 200)
        }
    }

    @Test func aBurstOfConnectionsBeyondTheCapIsQueuedNotDropped() async throws {
        try await self.withGateway(["HTTP_MAX_CONNECTIONS": "1", "HTTP_IDLE_TIMEOUT_SECONDS": "60"]) { port in
            let first = try await Self.connect(port)
            try await Task.sleep(for: .milliseconds(200))
            // The gateway accepts no more; 320 more clients knock. With a listen backlog of 256
            // (Hummingbird's default) the kernel queued 257 and dropped the rest's SYNs, whose
            // connects then wait for TCP's retransmit after 1 s; the 800 ms connect timeout tells
            // the two apart. In waves of 16, so that on a slow machine no connect waits behind
            // hundreds of others on the event loop (the queue holds them all the same).
            var outcomes: [(any Channel)?] = []
            for _ in 0..<20 {
                outcomes += await withTaskGroup(of: (any Channel)?.self) { group in
                    for _ in 0..<16 {
                        group.addTask {
                            try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                                .connectTimeout(.milliseconds(800))
                                .connect(host: "127.0.0.1", port: port).get()
                        }
                    }
                    var channels: [(any Channel)?] = []
                    for await channel in group { channels.append(channel) }
                    return channels
                }
            }
            let queued = outcomes.compactMap { $0 }
            for channel in queued { try? await channel.close() }
            try await first.close()
            // Linux queues backlog + 1, and caps the backlog at net.core.somaxconn.
            let kernelCap = (try? String(contentsOfFile: "/proc/sys/net/core/somaxconn", encoding: .utf8))
                .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 4096
            let expected = min(320, kernelCap + 1)
            #expect(queued.count == expected, "\(expected - queued.count) connections were not queued")
        }
    }

    @Test func theBoundsAreConfigured() throws {
        let defaults = try GatewayConfiguration(reader: ConfigurationReader(environment: ["AUTH_DISABLED": "1", "RPC_INSECURE": "1"]))
        #expect(defaults.idleTimeout == .seconds(30))
        #expect(defaults.bodyTimeout == .seconds(60))
        #expect(defaults.maxConnections == 1000)
        #expect(defaults.rateLimits == RateLimits(proPerMinute: 20, flashPerMinute: 60))
        #expect(defaults.corsAllowedOrigins.isEmpty)
        for (name, value) in [("HTTP_MAX_CONNECTIONS", "0"), ("HTTP_IDLE_TIMEOUT_SECONDS", "-1"), ("HTTP_BODY_TIMEOUT_SECONDS", "0"), ("RATE_LIMIT_PRO_PER_MIN", "x"), ("CORS_ALLOWED_ORIGINS", "*")] {
            #expect(throws: ConfigurationError.self, "\(name)=\(value)") {
                try GatewayConfiguration(reader: ConfigurationReader(environment: ["AUTH_DISABLED": "1", "RPC_INSECURE": "1", name: value]))
            }
        }
    }
}
