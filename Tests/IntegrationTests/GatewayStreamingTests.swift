import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import TestSupport

private let briefBody = #"{"profile": {"fullName": "Ada Lovelace", "jobTitle": "Engineer"}, "counterpartInfo": "Grace Hopper, compiler pioneer at the Navy"}"#

/// Server-Sent Events from the gateway through the generation service's streaming RPC to the
/// simulator's `streamGenerateContent`, and back.
///
/// Disabled until GenerationService serves `StreamNetworkingBrief` (being built in parallel);
/// enable once it is merged.
@Suite(.serialized) struct GatewayStreamingTests {
    func openStream(_ stack: Stack, headers: [(String, String)] = []) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: stack.gatewayURL + "/api/v1/networking/brief")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "text/event-stream")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: briefBody))
        return try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    }

    @Test func aBriefStreamsDeltasThenDone() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }

        let response = try await self.openStream(stack)
        #expect(response.status.code == 200)
        #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
        #expect(response.headers.first(name: "Cache-Control") == "no-cache")
        let text = String(buffer: try await response.body.collect(upTo: 8 << 20))
        var names: [String] = []
        var deltas = ""
        var done: [String: Any] = [:]
        for block in text.components(separatedBy: "\n\n") where block.hasPrefix("event: ") {
            let lines = block.split(separator: "\n")
            let name = String(lines[0].dropFirst("event: ".count))
            let data = Data(lines[1].dropFirst("data: ".count).utf8)
            let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            names.append(name)
            if name == "delta" { deltas += json["text"] as? String ?? "" }
            if name == "done" { done = json }
        }
        #expect(names.last == "done")
        #expect(names.dropLast().allSatisfy { $0 == "delta" })
        #expect(done["text"] as? String == deltas)
        #expect(done["model"] as? String != nil)
        #expect(done["usage"] as? [String: Any] != nil)
    }

    @Test func aClientThatLeavesCancelsTheGeminiStream() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }

        try await stack.injectFault("chunk-delay=2s", count: 1)
        let reader = Task {
            let response = try await self.openStream(stack)
            for try await _ in response.body { break }  // the first event, then leave
        }
        _ = try? await reader.value
        // The simulator sees the gateway → service → Gemini stream closed early.
        let limit = ContinuousClock.now + .seconds(20)
        var outcome: String?
        while ContinuousClock.now < limit {
            let seen = try await stack.send("GET", "/simulator/requests", base: stack.simulatorURL)
            let last = (seen.json["requests"] as? [[String: Any]])?.last
            outcome = (last?["stream"] as? [String: Any])?["outcome"] as? String
            if outcome == "client-disconnected" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(outcome == "client-disconnected")
    }
}
