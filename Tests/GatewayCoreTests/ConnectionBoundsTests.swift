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
        var settings = ["RPC_INSECURE": "1", "AUTH_DISABLED": "1", "PORT": "0", "GENERATION_ADDR": "127.0.0.1:1", "COACH_ADDR": "127.0.0.1:1"]
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

    @Test func theBoundsAreConfigured() throws {
        let defaults = try GatewayConfiguration(reader: ConfigurationReader(environment: ["AUTH_DISABLED": "1", "RPC_INSECURE": "1"]))
        #expect(defaults.idleTimeout == .seconds(30))
        #expect(defaults.maxConnections == 1000)
        #expect(defaults.rateLimits == RateLimits(proPerMinute: 20, flashPerMinute: 60))
        #expect(defaults.corsAllowedOrigins.isEmpty)
        for (name, value) in [("HTTP_MAX_CONNECTIONS", "0"), ("HTTP_IDLE_TIMEOUT_SECONDS", "-1"), ("RATE_LIMIT_PRO_PER_MIN", "x"), ("CORS_ALLOWED_ORIGINS", "*")] {
            #expect(throws: ConfigurationError.self, "\(name)=\(value)") {
                try GatewayConfiguration(reader: ConfigurationReader(environment: ["AUTH_DISABLED": "1", "RPC_INSECURE": "1", name: value]))
            }
        }
    }
}
