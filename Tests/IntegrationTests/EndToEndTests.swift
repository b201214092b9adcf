import Foundation
import Testing
import TestSupport

private let jobDescription = "Senior Swift engineer building backend services with SwiftNIO and Postgres."
private let questionsBody = #"""
{"jobDescription": "Senior Swift engineer building backend services with SwiftNIO and Postgres.",
 "profile": {"fullName": "Zoë Ünal", "id": "row-17", "user_id": "u-1",
             "experience": [{"company": "Acme", "title": "Engineer", "created_at": "2024-01-01",
                             "achievements": [{"text": "Cut p99 latency by 40%"}]}]}}
"""#

/// The whole product over real processes and sockets: gateway → RPC → generation service →
/// Gemini REST → simulator, and back.
@Suite(.serialized) struct EndToEndTests {
    @Test func interviewQuestionsCrossEveryProcess() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }

        let reply = try await stack.send("POST", "/api/v1/interview/questions", json: questionsBody, headers: [("X-Request-Id", "e2e-check.1")])
        #expect(reply.status == 200)
        #expect(reply.headers.first(name: "X-Request-Id") == "e2e-check.1")
        let questions = try #require(reply.json["questions"] as? [[String: Any]])
        #expect(!questions.isEmpty)
        for question in questions {
            #expect((question["question"] as? String)?.isEmpty == false)
            #expect(["behavioral", "technical"].contains(question["type"] as? String))
            #expect((question["why"] as? String)?.isEmpty == false)
        }
        #expect(reply.json["model"] as? String == "gemini-2.5-flash")
        let usage = try #require(reply.json["usage"] as? [String: Any])
        #expect((usage["totalTokens"] as? Int ?? 0) > 0)

        // What reached Gemini: the job description and the profile as data, the database's
        // own keys dropped, the key only in its header.
        let seen = try await stack.send("GET", "/simulator/requests", base: stack.simulatorURL)
        let text = String(decoding: seen.body, as: UTF8.self)
        #expect(text.contains("job_description"))
        #expect(text.contains("Zo"))
        #expect(!text.contains("row-17"))
        #expect(!text.contains("created_at"))
        #expect(!text.contains(Stack.geminiKey))
    }

    @Test func invalidBodiesAreRefusedWithEveryField() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }

        let reply = try await stack.send("POST", "/api/v1/interview/questions", json: #"{"jobDescription": 5, "surprise": true}"#)
        #expect(reply.status == 400)
        #expect(reply.error["code"] as? String == "INVALID_ARGUMENT")
        let fields = Set((reply.error["details"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
        #expect(fields == ["jobDescription", "surprise"])
        #expect((reply.error["requestId"] as? String)?.isEmpty == false)

        let tooLarge = try await stack.send("POST", "/api/v1/interview/questions", json: String(repeating: " ", count: (1 << 20) + 1))
        #expect(tooLarge.status == 413)
        #expect(tooLarge.error["reason"] as? String == "BODY_TOO_LARGE")
    }

    @Test func modelFailuresBecomeClearErrors() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }

        // One malformed answer is asked for again; the second answer is good.
        try await stack.injectFault("malformed-output", count: 1)
        let recovered = try await stack.send("POST", "/api/v1/interview/questions", json: questionsBody)
        #expect(recovered.status == 200)

        // Malformed twice: a clear 500, never the model's text.
        try await stack.injectFault("malformed-output", count: 2)
        let malformed = try await stack.send("POST", "/api/v1/interview/questions", json: questionsBody)
        #expect(malformed.status == 500)
        #expect(malformed.error["reason"] as? String == "MALFORMED_MODEL_OUTPUT")

        try await stack.injectFault("safety-block", count: 1)
        let blocked = try await stack.send("POST", "/api/v1/interview/questions", json: questionsBody)
        #expect(blocked.status == 422)
        #expect(blocked.error["reason"] as? String == "CONTENT_BLOCKED")

        try await stack.injectFault("max-tokens", count: 1)
        let truncated = try await stack.send("POST", "/api/v1/interview/questions", json: questionsBody)
        #expect(truncated.status == 500)
        #expect(truncated.error["reason"] as? String == "OUTPUT_TRUNCATED")
    }

    @Test func aDeadServiceIsA503AndItsRestartRecovers() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }

        stack.generation.signal(SIGKILL)
        _ = await stack.generation.waitForExit()
        let down = try await stack.send("POST", "/api/v1/interview/questions", json: questionsBody)
        #expect(down.status == 503)
        #expect(down.error["code"] as? String == "UNAVAILABLE")
        #expect(down.headers.first(name: "Retry-After") != nil)
        let readiness = try await stack.send("GET", "/readyz")
        #expect(readiness.status == 503)
        #expect((readiness.error["message"] as? String)?.contains("generation") == true)

        try stack.restartGeneration()
        try await stack.waitUntilReady()
        let back = try await stack.send("POST", "/api/v1/interview/questions", json: questionsBody)
        #expect(back.status == 200)
    }

    @Test func sigtermDrainsTheCallInFlightThenExits() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }

        try await stack.injectFault("latency=1500ms", count: 1)
        let slow = Task { try await stack.send("POST", "/api/v1/interview/questions", json: questionsBody) }
        // Let the call reach the service and Gemini, then ask the service to stop.
        try await Task.sleep(for: .milliseconds(500))
        stack.generation.signal(SIGTERM)
        #expect(try await slow.value.status == 200)
        #expect(await stack.generation.waitForExit(within: .seconds(10)) == 0)
    }

    @Test func aServiceWithoutAnRPCTokenRefusesToStart() async throws {
        let service = try ManagedProcess("GenerationService", environment: ["GEMINI_API_KEY": "k", "LISTEN_ADDR": "127.0.0.1:0"])
        let status = await service.waitForExit()
        #expect(status == 1)
        let output = service.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(output.contains("RPC_TOKEN"))
        #expect(output.split(separator: "\n").count == 1)
    }
}
