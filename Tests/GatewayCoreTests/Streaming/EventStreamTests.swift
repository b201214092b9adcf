import AsyncHTTPClient
import CareerRPC
import Foundation
import NIOConcurrencyHelpers
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import RPCRuntime
import Testing

@testable import GatewayCore

/// Server-Sent Events over a real socket, against scripted streaming RPCs.
@Suite struct EventStreamTests {
    static let accept: HTTPFields = [.accept: "text/event-stream"]

    static func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    @Test func aBriefStreamsDeltasThenTheUnaryAnswer() async throws {
        try await withFakeGateway(framework: .live) { client in
            let unary = try await client.post("/api/v1/networking/brief", Bodies.brief)
            let response = try await client.post("/api/v1/networking/brief", Bodies.brief, headers: Self.accept)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            #expect(response.headers[.cacheControl] == "no-cache")
            let events = serverSentEvents(response.text)
            #expect(events.map(\.name) == ["delta", "delta", "done"])
            #expect(events[0].data == #"{"text":"Hello "}"#)
            #expect(events[1].data == #"{"text":"world"}"#)
            // `done` is exactly the JSON of the non-streaming call.
            #expect(events[2].data == unary.text)
        }
    }

    @Test func documentDeltasNameTheirDocument() async throws {
        try await withFakeGateway(framework: .live) { client in
            let unary = try await client.post("/api/v1/generate/documents", Bodies.documents)
            let response = try await client.post("/api/v1/generate/documents", Bodies.documents, headers: [.accept: "application/json, text/event-stream"])
            let events = serverSentEvents(response.text)
            #expect(events.map(\.name) == ["delta", "delta", "done"])
            #expect(events[0].data == ##"{"text":"# Resume","document":"resume"}"##)
            #expect(events[1].data == #"{"text":"Dear team","document":"coverLetter"}"#)
            #expect(events[2].data == unary.text)
        }
    }

    @Test func theCoachStreamsTextThenItsActionThenTheAnswer() async throws {
        try await withFakeGateway(framework: .live) { client in
            let unary = try await client.post("/api/v1/coach/chat", Bodies.chat)
            let response = try await client.post("/api/v1/coach/chat", Bodies.chat, headers: Self.accept)
            let events = serverSentEvents(response.text)
            #expect(events.map(\.name) == ["delta", "action", "done"])
            let action = Self.json(events[1].data)
            #expect(action["type"] as? String == "updateProfile")
            // The action event is the same JSON as the unary answer's `action`.
            let unaryAction = try #require(Self.json(unary.text)["action"])
            #expect(NSDictionary(dictionary: action).isEqual(unaryAction))
            #expect(events[2].data == unary.text)
        }
    }

    @Test func aFailureBeforeTheFirstEventIsAPlainHTTPError() async throws {
        let services = FakeCareerServices()
        services.setStreamScript(.failBeforeFirst(RPCError(code: .resourceExhausted, message: "queue full", reason: "GEMINI_QUEUE_FULL", retryAfter: .seconds(4))))
        try await withFakeGateway(services, framework: .live) { client in
            let response = try await client.post("/api/v1/networking/reach-out", Bodies.brief, headers: Self.accept)
            #expect(response.status == .tooManyRequests)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(response.headers[HTTPField.Name("Retry-After")!] == "4")
            #expect(response.errorField("code") == "RESOURCE_EXHAUSTED")
            // Validation comes first, as a plain 400.
            let invalid = try await client.post("/api/v1/networking/reach-out", #"{"counterpartInfo": 5}"#, headers: Self.accept)
            #expect(invalid.status == .badRequest)
        }
    }

    @Test func aFailureAfterTheStreamStartedIsAnErrorEventThatEndsIt() async throws {
        let services = FakeCareerServices()
        services.setStreamScript(.failAfterFirst(RPCError(code: .failedPrecondition, message: "blocked", reason: "CONTENT_BLOCKED")))
        try await withFakeGateway(services, framework: .live) { client in
            let response = try await client.post("/api/v1/networking/brief", Bodies.brief, headers: [.accept: "text/event-stream", .requestID: "sse-1"])
            #expect(response.status == .ok)
            let events = serverSentEvents(response.text)
            #expect(events.map(\.name) == ["delta", "error"])
            let error = try #require(Self.json(events[1].data)["error"] as? [String: Any])
            #expect(error["code"] as? String == "FAILED_PRECONDITION")
            #expect(error["reason"] as? String == "CONTENT_BLOCKED")
            #expect(error["requestId"] as? String == "sse-1")
        }
    }

    @Test func aQuietStreamIsPinged() async throws {
        let services = FakeCareerServices()
        services.setStreamScript(.holdAfterFirst)
        try await withFakeGateway(services, framework: .live, pingInterval: .milliseconds(50)) { client in
            let port = try #require(client.port)
            let response = try await Self.openBriefStream(port: port)
            var received = ""
            // Pings may come first on a busy machine (the delta slower than 50 ms); after the
            // delta, pings keep the held stream alive.
            for try await chunk in response.body {
                received += String(buffer: chunk)
                if let delta = received.range(of: "event: delta\n"), received[delta.upperBound...].contains(": ping\n\n") { break }
            }
            let afterDelta = try #require(received.range(of: "event: delta\n")).upperBound
            #expect(received[afterDelta...].contains(": ping\n\n"))
        }
    }

    /// A brief asked for as a stream from the gateway on `port`.
    static func openBriefStream(port: Int) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/networking/brief")
        request.method = .POST
        request.headers.add(name: "Accept", value: "text/event-stream")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: Bodies.brief))
        return try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    }

    /// The whole text of a brief's stream from a gateway with a 50 ms ping.
    func streamText(_ services: FakeCareerServices, untilCancelled: Bool = false) async throws -> String {
        let text = NIOLockedValueBox("")
        try await withFakeGateway(services, framework: .live, pingInterval: .milliseconds(50)) { client in
            let port = try #require(client.port)
            let response = try await Self.openBriefStream(port: port)
            #expect(response.status == .ok)
            let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
            text.withLockedValue { $0 = body }
        }
        return text.withLockedValue { $0 }
    }

    @Test func aModelThatThinksGetsTheStreamStartedWithPings() async throws {
        let services = FakeCareerServices()
        services.setStreamScript(.thinkThenComplete(.milliseconds(600)))
        let text = try await self.streamText(services)
        #expect(text.hasPrefix(": ping\n\n"))
        let beforeFirstEvent = try #require(text.range(of: "event: ")).lowerBound
        #expect(text[..<beforeFirstEvent].components(separatedBy: ": ping\n\n").count - 1 >= 3)
        #expect(text.contains("event: delta\n"))
        #expect(text.hasSuffix("\n\n") && text.contains("event: done\n"))
        #expect(!text[text.range(of: "event: done\n")!.upperBound...].contains(": ping"))  // nothing after done
    }

    @Test func aFailureAfterTheStreamStartedWithAPingIsAnErrorEvent() async throws {
        let services = FakeCareerServices()
        services.setStreamScript(.thinkThenFail(.milliseconds(300), RPCError(code: .unavailable, message: "overloaded", reason: "UPSTREAM_OVERLOADED")))
        let text = try await self.streamText(services)
        #expect(text.hasPrefix(": ping\n\n"))
        #expect(text.contains("event: error\ndata: {\"error\":{\"code\":\"UNAVAILABLE\""))
        #expect(!text.contains("event: done"))
    }

    @Test func aClientThatLeavesWhileTheModelThinksCancelsTheRPC() async throws {
        let services = FakeCareerServices()
        services.setStreamScript(.holdBeforeFirst)
        try await withFakeGateway(services, framework: .live, pingInterval: .milliseconds(50)) { client in
            let port = try #require(client.port)
            let reader = Task {
                let response = try await Self.openBriefStream(port: port)
                for try await _ in response.body { break }  // the first ping, then leave
            }
            _ = try? await reader.value
            try await waitUntil { services.observed.contains("stream cancelled") }
            #expect(services.observed.contains("stream cancelled"))
        }
    }

    @Test func theRPCIsCancelledWhenTheClientGoesAway() async throws {
        let services = FakeCareerServices()
        services.setStreamScript(.holdAfterFirst)
        // No ping within the test: only noticing the connection close can cancel the call.
        try await withFakeGateway(services, framework: .live, pingInterval: .seconds(600)) { client in
            let port = try #require(client.port)
            let reader = Task {
                let response = try await Self.openBriefStream(port: port)
                for try await _ in response.body {}
            }
            try await waitUntil { services.observed.contains("stream holding") }
            reader.cancel()  // the client closes its connection
            try await waitUntil { services.observed.contains("stream cancelled") }
            #expect(services.observed.contains("stream cancelled"))
        }
    }

    @Test func endpointsWithoutAStreamAnswerJSONWhateverTheAccept() async throws {
        try await withFakeGateway(framework: .live) { client in
            let response = try await client.post("/api/v1/interview/questions", Bodies.questions, headers: Self.accept)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test func acceptHeaderParsing() {
        #expect(EventStream.isRequested(by: [.accept: "text/event-stream"]))
        #expect(EventStream.isRequested(by: [.accept: "application/json, Text/Event-Stream;q=0.9"]))
        #expect(!EventStream.isRequested(by: [.accept: "application/json"]))
        #expect(!EventStream.isRequested(by: [:]))
    }
}

/// Polls `condition` until it holds; the 20 s limit is only a guard against a hang.
func waitUntil(_ condition: @Sendable () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let limit = ContinuousClock.now + .seconds(20)
    while !condition() {
        guard ContinuousClock.now < limit else {
            Issue.record("condition not met within 20 s", sourceLocation: sourceLocation)
            return
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}
