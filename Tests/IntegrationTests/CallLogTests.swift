import Foundation
import Testing

/// Every log line about a call, in every process, names the caller's request id: the Gemini
/// client's retry and call lines included, written far from any logger that knows the request.
@Suite struct CallLogTests {
    /// The JSON log lines of a process's output.
    static func lines(_ output: String) -> [[String: Any]] {
        output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func everyLineAboutACallCarriesItsRequestIDInEveryProcess() async throws {
        let stack = try await Stack(gatewayEnvironment: ["LOG_LEVEL": "debug"], serviceEnvironment: ["LOG_LEVEL": "debug"])
        defer { Task { await stack.stop() } }
        let requestID = "trace-me.\(UUID().uuidString.prefix(8))"
        // The coach's first Gemini answer is a 503 (retried); then it plans a career path through
        // the generation service: gateway → coach → generation.
        try await stack.injectFault("status=503,retry-delay=none", count: 1)
        let reply = try await stack.send("POST", "/api/v1/coach/chat", json: careerPathChat, headers: [("X-Request-Id", requestID)])
        #expect(reply.status == 200)

        let coach = Self.lines(stack.coach.output)
        let generation = Self.lines(stack.generation.output)
        let gateway = Self.lines(stack.gateway.output)
        func aboutGemini(_ line: [String: Any]) -> Bool { (line["msg"] as? String)?.hasPrefix("gemini ") == true }
        let retries = coach.filter { $0["msg"] as? String == "gemini retrying" }
        #expect(retries.count == 1)
        #expect(retries.allSatisfy { $0["request.id"] as? String == requestID })
        for (name, lines) in [("coach", coach), ("generation", generation)] {
            let geminiLines = lines.filter(aboutGemini)
            #expect(!geminiLines.isEmpty, "\(name) wrote no Gemini line")
            #expect(geminiLines.allSatisfy { $0["request.id"] as? String == requestID }, "\(name): \(geminiLines)")
        }
        #expect(gateway.contains { $0["request.id"] as? String == requestID })
    }
}
