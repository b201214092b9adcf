import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import TestSupport

private let origin = "https://app.example.com"
private let profile = #"{"fullName": "Ada Lovelace", "jobTitle": "Engineer"}"#
private let briefBody = #"{"profile": \#(profile), "counterpartInfo": "Grace Hopper, compiler pioneer at the Navy"}"#
private let documentsBody = #"{"profile": \#(profile), "options": {"jobDescription": "Swift engineer for backend services."}}"#

/// The contract holes of issue 12, each through real processes (gateway, both services and the
/// simulator): duplicate-claim tokens, chunked bodies over the limit, pings while the model
/// thinks, streamed text that adds up to `done` byte for byte, coach arguments passed on
/// unchanged, and 405 for every undeclared method.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ContractHoleTests {
    // MARK: 1. Tokens with a repeated claim

    static let secret = TestTokens.secret

    static func token(payload: String) -> String {
        TestTokens.token(payload: payload)
    }

    @Test func aTokenThatRepeatsAClaimIsRefusedAndTheSameTokenWithoutTheRepeatIsNot() async throws {
        let stack = try await Stack(gatewayEnvironment: ["AUTH_DISABLED": "0", "SUPABASE_JWT_SECRET": Self.secret])
        defer { Task { await stack.stop() } }
        let now = Int(Date().timeIntervalSince1970)
        let claims = #""sub":"6f1c2a9e-2b7d-4c1e-9a3f-0d5b8e7c4a21","aud":"authenticated","exp":\#(now + 3600)"#
        let body = #"{"jobDescription": "Senior Swift engineer building backend services."}"#

        func call(_ payload: String) async throws -> Stack.Reply {
            try await stack.send("POST", "/api/v1/interview/questions", json: body, headers: [("Authorization", "Bearer " + Self.token(payload: payload))])
        }
        let clean = try await call(#"{\#(claims),"role":"authenticated"}"#)
        #expect(clean.status == 200, "\(String(decoding: clean.body, as: UTF8.self))")
        for payload in [
            #"{\#(claims),"role":"authenticated","role":"service_role"}"#,
            #"{"role":"service_role",\#(claims),"role":"authenticated"}"#,
            #"{\#(claims),"role":"authenticated","exp":\#(now - 3600)}"#,
            #"{\#(claims),"role":"authenticated","app_metadata":{"provider":"a","provider":"b"}}"#,
            #"{\#(claims),"role":"authenticated"}garbage"#,
        ] {
            let refused = try await call(payload)
            #expect(refused.status == 401, "\(payload)")
            #expect(refused.error["reason"] as? String == "INVALID_TOKEN", "\(payload)")
            #expect(refused.headers.first(name: "WWW-Authenticate")?.hasPrefix("Bearer") == true)
        }
    }

    // MARK: 2. A chunked body over the limit

    @Test func aChunkedBodyOverTheLimitIs413WithCORSAndTheServerStaysHealthy() async throws {
        let stack = try await Stack(gatewayEnvironment: ["CORS_ALLOWED_ORIGINS": origin])
        defer { Task { await stack.stop() } }

        for size in [(1 << 20) + 1, 4 << 20] {
            var request = HTTPClientRequest(url: stack.gatewayURL + "/api/v1/interview/questions")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Origin", value: origin)
            // No length: AsyncHTTPClient sends it as `Transfer-Encoding: chunked`, 64 KiB a chunk.
            let chunk = ByteBuffer(repeating: UInt8(ascii: " "), count: 64 << 10)
            let chunks = (0..<(size / (64 << 10))).map { _ in chunk } + [ByteBuffer(repeating: UInt8(ascii: " "), count: size % (64 << 10))]
            request.body = .stream(Self.sequence(chunks), length: .unknown)
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any]
            let error = json?["error"] as? [String: Any]
            #expect(response.status.code == 413, "\(String(buffer: body))")
            #expect(error?["code"] as? String == "INVALID_ARGUMENT")
            #expect(error?["reason"] as? String == "BODY_TOO_LARGE")
            #expect(response.headers.first(name: "Access-Control-Allow-Origin") == origin)
            #expect(response.headers.first(name: "X-Request-Id")?.isEmpty == false)
        }
        // Still healthy: a chunked body under the limit is read and answered.
        var small = HTTPClientRequest(url: stack.gatewayURL + "/api/v1/interview/questions")
        small.method = .POST
        small.headers.add(name: "Content-Type", value: "application/json")
        small.body = .stream(Self.sequence([ByteBuffer(string: #"{"jobDescription": "#), ByteBuffer(string: #""Swift engineer."}"#)]), length: .unknown)
        let answer = try await HTTPClient.shared.execute(small, timeout: .seconds(30))
        #expect(answer.status.code == 200)
        _ = try await answer.body.collect(upTo: 1 << 20)
        #expect(try await stack.send("GET", "/healthz").status == 200)
    }

    // MARK: 3. Pings while the model thinks

    @Test func pingsFlowFromTheStartOfTheStreamUntilDone() async throws {
        let stack = try await Stack(gatewayEnvironment: ["SSE_PING_SECONDS": "0.3"])
        defer { Task { await stack.stop() } }

        // Two seconds before the model's first chunk, then ~1 s between chunks.
        try await stack.injectFault("latency=2s,chunk-delay=1s", count: 1)
        let text = try await Self.stream(stack, "/api/v1/networking/brief", briefBody)
        let blocks = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let firstEvent = try #require(blocks.firstIndex { $0.hasPrefix("event: ") })
        #expect(blocks[..<firstEvent].allSatisfy { $0 == ": ping" })
        #expect(firstEvent >= 3, "pings before the first event: \(firstEvent)\n\(text)")
        // Between the deltas too, and nothing after `done`.
        let deltas = blocks.indices.filter { blocks[$0].hasPrefix("event: delta") }
        let pingsAmongDeltas = blocks[deltas.first!..<deltas.last!].filter { $0 == ": ping" }.count
        #expect(pingsAmongDeltas >= 2, "\(text)")
        #expect(blocks.last?.hasPrefix("event: done") == true)
    }

    // MARK: 4. Streamed text adds up to `done`

    @Test func everyStreamedDocumentAddsUpToItsTextInDoneByteForByte() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }

        for (path, body, calls) in [
            ("/api/v1/generate/documents", documentsBody, 2),
            ("/api/v1/networking/brief", briefBody, 1),
            ("/api/v1/networking/reach-out", briefBody, 1),
        ] {
            // The model ends its text with a line break, as real models often do.
            try await stack.injectFault("trailing-newline", count: calls)
            let events = Self.events(try await Self.stream(stack, path, body))
            let done = try #require(events.last { $0.name == "done" }?.json, "\(path)")
            var streamed: [String: String] = [:]
            for event in events where event.name == "delta" {
                streamed[event.json["document"] as? String ?? "text", default: ""] += event.json["text"] as? String ?? ""
            }
            if path.hasSuffix("documents") {
                #expect((done["warnings"] as? [String])?.isEmpty == true)  // no rewrite: the one allowed difference
                for document in ["resume", "coverLetter"] {
                    let final = try #require(done[document] as? String)
                    #expect(final.hasSuffix("\n"))
                    #expect(Array(streamed[document, default: ""].utf8) == Array(final.utf8), "\(document)")
                }
            } else {
                let final = try #require(done["text"] as? String)
                #expect(final.hasSuffix("\n"), "\(path)")
                #expect(Array(streamed["text", default: ""].utf8) == Array(final.utf8), "\(path)")
            }
            // The unary answer is the same text.
            try await stack.injectFault("trailing-newline", count: calls)
            let unary = try await stack.send("POST", path, json: body)
            #expect(((unary.json["text"] ?? unary.json["resume"]) as? String)?.hasSuffix("\n") == true, "\(path)")
        }
    }

    // MARK: 5. The coach passes arguments on unchanged

    @Test func theCoachPassesToolArgumentsAndTextOnExactly() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }
        let chat = #"{"message": "Please navigateToResumeGenerator with this job", "history": [], "profile": \#(profile)}"#

        try await stack.injectFault("trailing-newline", count: 1)
        let reply = try await stack.send("POST", "/api/v1/coach/chat", json: chat)
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
        let action = try #require(reply.json["action"] as? [String: Any])
        let state = try #require((action["payload"] as? [String: Any])?["state"] as? [String: Any])
        let jobDescription = try #require(state["jobDescription"] as? String)
        #expect(jobDescription.hasSuffix("\n"), "\(jobDescription.debugDescription)")
        #expect(jobDescription.hasPrefix("jobDescription "))

        // Streamed, the deltas add up to the answer's text.
        try await stack.injectFault("trailing-newline", count: 1)
        let events = Self.events(try await Self.stream(stack, "/api/v1/coach/chat", chat))
        let done = try #require(events.last { $0.name == "done" }?.json)
        let deltas = events.filter { $0.name == "delta" }.map { $0.json["text"] as? String ?? "" }.joined()
        #expect(Array(deltas.utf8) == Array((done["text"] as? String ?? "").utf8))
        let streamedAction = try #require(events.first { $0.name == "action" }?.json)
        let streamedState = (streamedAction["payload"] as? [String: Any])?["state"] as? [String: Any]
        #expect(streamedState?["jobDescription"] as? String == jobDescription)
    }

    // MARK: 6. Undeclared methods

    @Test func everyUndeclaredMethodOnAKnownPathIs405WithAllowAndCORS() async throws {
        let stack = try await Stack(gatewayEnvironment: ["CORS_ALLOWED_ORIGINS": origin])
        defer { Task { await stack.stop() } }

        for (method, path, allowed) in [
            ("TRACE", "/healthz", "GET"), ("TRACE", "/api/v1/coach/chat", "POST"), ("TRACE", "/metrics", "GET"),
            ("PUT", "/api/v1/generate/documents", "POST"), ("GET", "/api/v1/interview/questions", "POST"),
            ("PROPFIND", "/readyz", "GET"), ("POST", "/openapi.json", "GET"), ("DELETE", "/api/v1/profile/parse", "POST"),
        ] {
            let reply = try await stack.send(method, path, headers: [("Origin", origin)])
            #expect(reply.status == 405, "\(method) \(path)")
            #expect(reply.headers.first(name: "Allow") == allowed, "\(method) \(path)")
            #expect(reply.headers.first(name: "Access-Control-Allow-Origin") == origin, "\(method) \(path)")
            #expect(reply.error["reason"] as? String == "METHOD_NOT_ALLOWED", "\(method) \(path)")
            #expect((reply.error["requestId"] as? String)?.isEmpty == false)
        }
        for (method, path) in [("TRACE", "/nowhere"), ("GET", "/api/v1/nothing"), ("TRACE", "/api/v1/coach")] {
            let reply = try await stack.send(method, path, headers: [("Origin", origin)])
            #expect(reply.status == 404, "\(method) \(path)")
            #expect(reply.headers.first(name: "Access-Control-Allow-Origin") == origin)
        }
        // OPTIONS without an Origin is no CORS preflight: an undeclared method like the others.
        let options = try await stack.send("OPTIONS", "/healthz")
        #expect(options.status == 405)
        #expect(options.headers.first(name: "Allow") == "GET")
        // HEAD too is a method the document does not declare.
        let head = try await stack.send("HEAD", "/healthz")
        #expect(head.status == 405)
        #expect(head.headers.first(name: "Allow") == "GET")
    }

    // MARK: Helpers

    /// `chunks` as an async sequence: a body AsyncHTTPClient sends chunked.
    static func sequence(_ chunks: [ByteBuffer]) -> AsyncStream<ByteBuffer> {
        AsyncStream { continuation in
            for chunk in chunks { continuation.yield(chunk) }
            continuation.finish()
        }
    }

    /// The whole text of a streamed answer.
    static func stream(_ stack: Stack, _ path: String, _ body: String, headers: [(String, String)] = []) async throws -> String {
        var request = HTTPClientRequest(url: stack.gatewayURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "text/event-stream")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        #expect(response.status.code == 200)
        return String(buffer: try await response.body.collect(upTo: 8 << 20))
    }

    struct Event {
        var name: String
        var json: [String: Any]
    }

    /// The events of a stream's text (comments skipped).
    static func events(_ text: String) -> [Event] {
        text.components(separatedBy: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n", omittingEmptySubsequences: false)
            guard lines.count >= 2, lines[0].hasPrefix("event: "), lines[1].hasPrefix("data: ") else { return nil }
            let data = Data(lines[1].dropFirst("data: ".count).utf8)
            return Event(name: String(lines[0].dropFirst("event: ".count)), json: (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
        }
    }
}
