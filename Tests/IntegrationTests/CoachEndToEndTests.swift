import CareerProto
import CareerRPC
import Foundation
import NIOCore
import RPCRuntime
import Testing
import TestSupport

let careerPathChat = #"""
{"message": "Please generateAndSaveCareerPath from engineer to engineering manager",
 "history": [{"role": "user", "text": "Hi coach"}, {"role": "model", "text": "Hi! How can I help?"}],
 "profile": {"fullName": "Zoë Ünal", "jobTitle": "Software Engineer"},
 "documentHistory": [{"jobTitle": "Staff Engineer", "companyName": "Acme", "createdAt": "2025-05-01"}]}
"""#

/// The coach across real processes: gateway → coach → Gemini simulator, and coach → generation
/// service over the RPC for career paths.
@Suite(.serialized) struct CoachEndToEndTests {
    @Test func theCareerPathActionComesFromTheRealGenerationService() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }

        let reply = try await stack.send("POST", "/api/v1/coach/chat", json: careerPathChat, headers: [("X-Request-Id", "coach-e2e.1")])
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))\n\(stack.diagnostics)")
        #expect((reply.json["text"] as? String)?.isEmpty == false)
        #expect((reply.json["turnState"] as? String)?.hasPrefix("v1.") == true)
        #expect(reply.json["model"] as? String == "gemini-2.5-pro")
        let action = try #require(reply.json["action"] as? [String: Any])
        #expect(action["type"] as? String == "saveCareerPath")
        let careerPath = try #require((action["payload"] as? [String: Any])?["careerPath"] as? [String: Any])
        #expect((careerPath["path"] as? [Any])?.isEmpty == false)
        #expect(careerPath["model"] as? String == "gemini-2.5-pro")
        let pathUsage = try #require(careerPath["usage"] as? [String: Any])
        let chatUsage = try #require(reply.json["usage"] as? [String: Any])
        #expect((pathUsage["totalTokens"] as? Int ?? 0) > 0)
        #expect((chatUsage["totalTokens"] as? Int ?? 0) > 0)
    }

    @Test func theGenerationServiceDownIsAnsweredGracefully() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }
        stack.generation.signal(SIGTERM)
        _ = await stack.generation.waitForExit(within: .seconds(10))

        let reply = try await stack.send("POST", "/api/v1/coach/chat", json: careerPathChat)
        #expect(reply.status == 200)
        #expect(reply.json["action"] == nil)
        #expect((reply.json["text"] as? String)?.contains("couldn't create your career path") == true)
    }

    @Test func theCoachStreamsOverItsRPCTextThenTheActionThenTheAnswer() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }
        let client = try RPCClient(target: "127.0.0.1:\(stack.coachPort)", configuration: .init(token: Stack.rpcToken), logger: quietLogger)
        defer { client.shutDown() }

        let request = Career_V1_ChatRequest.with {
            $0.message = "Please generateAndSaveCareerPath to staff engineer"
            $0.profile = .with { $0.fullName = "Ada Lovelace"; $0.jobTitle = "Engineer" }
        }
        let stream = try await client.serverStreaming(CoachMethods.streamChat, request, deadline: .now() + .seconds(30))
        var kinds: [String] = []
        for try await event in stream {
            switch event.event {
            case .delta?: if kinds.last != "delta" { kinds.append("delta") }
            case .action(let action)?: kinds.append("action"); #expect(action.saveCareerPath.careerPath.path.isEmpty == false)
            case .done(let done)?: kinds.append("done"); #expect(done.hasAction && !done.text.isEmpty)
            case nil: kinds.append("none")
            }
        }
        #expect(kinds == ["delta", "action", "done"])
    }
}
