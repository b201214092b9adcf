import Foundation
import Testing
import TestSupport

/// `RPCHealthCheck`, the command that container health checks and Kubernetes probes run,
/// against a real GenerationService process.
@Suite(.serialized) struct HealthCheckTests {
    @Test func exitsZeroOnlyForAServingServiceWithTheRightToken() async throws {
        let port = try await freeLoopbackPort()
        let service = try ManagedProcess("GenerationService", environment: Stack.serviceEnvironment(port: port, simulatorPort: 1))
        defer { service.signal(SIGTERM) }

        func check(_ environment: [String: String]) async throws -> (status: Int32?, output: String) {
            let probe = try ManagedProcess("RPCHealthCheck", environment: environment)
            return (await probe.waitForExit(within: .seconds(20)), probe.output)
        }
        // The service's own environment, as in its container: LISTEN_ADDR on every interface.
        let own = ["LISTEN_ADDR": "0.0.0.0:\(port)", "RPC_TOKEN": Stack.rpcToken]
        var serving = try await check(own)
        for _ in 0..<50 where serving.status != 0 {  // until the service listens; a hang guard only
            try await Task.sleep(for: .milliseconds(100))
            serving = try await check(own)
        }
        #expect(serving.status == 0, "\(serving.output)")
        #expect(serving.output.contains("serving"))

        let wrongToken = try await check(["LISTEN_ADDR": "127.0.0.1:\(port)", "RPC_TOKEN": "not-the-token-0123456789"])
        #expect(wrongToken.status == 1)
        #expect(!wrongToken.output.contains("not-the-token"))

        service.signal(SIGKILL)
        _ = await service.waitForExit()
        let gone = try await check(own)
        #expect(gone.status == 1)
    }
}
