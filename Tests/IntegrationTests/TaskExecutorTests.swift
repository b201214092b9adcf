import Foundation
import Testing
import TestSupport

/// `TASK_EXECUTOR`: every process runs its tasks on SwiftNIO's event loops unless told
/// `swift` (Swift Concurrency's own pool); anything else stops it at start. The rest of the
/// suite runs on the default; this checks that the other choice serves as well.
@Suite struct TaskExecutorTests {
    @Test func theStackServesOnSwiftConcurrencysOwnPoolToo() async throws {
        let settings = ["TASK_EXECUTOR": "swift"]
        let stack = try await Stack(gatewayEnvironment: settings, serviceEnvironment: settings)
        defer { Task { await stack.stop() } }
        let reply = try await stack.send("POST", "/api/v1/interview/questions", json: #"{"jobDescription": "Backend engineer, Swift and Postgres"}"#)
        #expect(reply.status == 200, "\(stack.diagnostics)")
        let stream = try await openBriefStream(stack)
        #expect(stream.status == .ok)
        let body = String(buffer: try await stream.body.collect(upTo: 1 << 20))
        #expect(body.contains("event: done"), "\(body)")
        await stack.stop()
    }

    @Test(arguments: ["Gateway", "GenerationService", "CoachService"])
    func anUnknownExecutorStopsTheProcessAtStart(program: String) async throws {
        let process = try ManagedProcess(program, environment: [
            "TASK_EXECUTOR": "threads", "RPC_TOKEN": Stack.rpcToken, "GEMINI_API_KEY": "k", "LISTEN_ADDR": "127.0.0.1:0",
            "AUTH_DISABLED": "1", "PORT": "0",
        ])
        #expect(await process.waitForExit() == 1)
        let output = process.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(output == "\(program): TASK_EXECUTOR must be nio or swift, not \"threads\"", "\(output)")
    }
}
