import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import Testing
import TestSupport

/// `StackFloor`, the benchmark's floor (the stack's shape with none of its work), as real
/// processes against the Gemini simulator: what it forwards must be the upstream's answer, whole,
/// or its figures would not be a floor of the same calls.
@Suite(.serialized) struct StackFloorTests {
    static let body = #"{"contents":[{"role":"user","parts":[{"text":"Three questions for a Swift backend interview"}]}]}"#

    /// The simulator, the back process (with `apiKey`) and the front; the front's base URL.
    private static func withFloor(apiKey: String = Stack.geminiKey, backRunning: Bool = true, _ body: (_ front: String, _ simulator: String) async throws -> Void) async throws {
        let simulatorPort = try await freeLoopbackPort()
        let backPort = try await freeLoopbackPort()
        let frontPort = try await freeLoopbackPort()
        let simulator = try ManagedProcess("GeminiSimulator", environment: ["PORT": "\(simulatorPort)", "GEMINI_API_KEY": Stack.geminiKey])
        let executable = ManagedProcess.productsDirectory.appendingPathComponent("StackFloor")
        let environment = ["RPC_TOKEN": Stack.rpcToken, "GEMINI_API_KEY": apiKey]
        let back = backRunning
            ? try ManagedProcess(name: "StackFloor-back", executable: executable, arguments: ["back", "--port", "\(backPort)", "--upstream", "http://127.0.0.1:\(simulatorPort)"], environment: environment)
            : nil
        defer { for process in [simulator, back].compactMap({ $0 }) { process.signal(SIGTERM) } }
        #expect(await waitUntilListening(port: simulatorPort))
        // The front only once the back listens: a first connect that fails makes its RPC client
        // back off, failing calls fast for a moment.
        if backRunning { #expect(await waitUntilListening(port: backPort)) }
        let front = try ManagedProcess(name: "StackFloor-front", executable: executable, arguments: ["front", "--port", "\(frontPort)", "--back", "127.0.0.1:\(backPort)"], environment: environment)
        defer { front.signal(SIGTERM) }
        #expect(await waitUntilListening(port: frontPort))
        try await body("http://127.0.0.1:\(frontPort)", "http://127.0.0.1:\(simulatorPort)")
    }

    private static func post(_ url: String, accept: String = "application/json") async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "accept", value: accept)
        request.headers.add(name: "x-goog-api-key", value: Stack.geminiKey)
        request.body = .bytes(ByteBuffer(string: Self.body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 8 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    /// The answer's text: every part of every candidate of every JSON object given.
    private static func text(ofAnswers objects: [String]) -> String {
        objects.compactMap { object -> String? in
            guard let json = try? JSONSerialization.jsonObject(with: Data(object.utf8)) as? [String: Any],
                  let candidates = json["candidates"] as? [[String: Any]] else { return nil }
            return candidates.compactMap { (($0["content"] as? [String: Any])?["parts"] as? [[String: Any]])?.compactMap { $0["text"] as? String }.joined() }.joined()
        }.joined()
    }

    @Test func forwardsTheUpstreamsAnswerAndItsStreamWhole() async throws {
        try await Self.withFloor { front, simulator in
            let direct = try await Self.post(simulator + "/v1beta/models/gemini-2.5-flash:generateContent")
            #expect(direct.status == 200)
            let expected = Self.text(ofAnswers: [direct.body])
            #expect(expected.contains("Simulated answer"))

            let unary = try await Self.post(front + "/generate")
            #expect(unary.status == 200)
            #expect(Self.text(ofAnswers: [unary.body]) == expected)

            let stream = try await Self.post(front + "/stream", accept: "text/event-stream")
            #expect(stream.status == 200)
            // The simulator ends lines with CRLF, one Character in Swift: split on any newline.
            let events = stream.body.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("data: {\"candidates\"") }.map { String($0.dropFirst(6)) }
            #expect(events.count > 1, "the answer came in more than one event")
            #expect(Self.text(ofAnswers: events) == expected)
            #expect(stream.body.hasSuffix("event: done\ndata: {}\n\n"), "\(stream.body.suffix(200))")
        }
    }

    @Test func anUpstreamRefusalOrAMissingBackProcessIsA502() async throws {
        try await Self.withFloor(apiKey: "not-the-simulators-key") { front, _ in
            let unary = try await Self.post(front + "/generate")
            #expect(unary.status == 502)
            #expect(unary.body.contains("the upstream answered 400"))
            let stream = try await Self.post(front + "/stream", accept: "text/event-stream")
            #expect(stream.status == 502)
            #expect(!stream.body.contains("not-the-simulators-key"))
        }
        try await Self.withFloor(backRunning: false) { front, _ in
            let unary = try await Self.post(front + "/generate")
            #expect(unary.status == 502)
            #expect(unary.body.contains("the back process failed"))
        }
    }

    @Test func refusesAnythingButLoopback() async throws {
        let executable = ManagedProcess.productsDirectory.appendingPathComponent("StackFloor")
        for (arguments, complaint) in [
            (["back", "--port", "9", "--upstream", "http://generativelanguage.googleapis.com"], "back needs --upstream http://127.0.0.1:PORT"),
            // A name that starts like a loopback address is still a name.
            (["back", "--port", "9", "--upstream", "http://127.0.0.1.example.com:80"], "back needs --upstream http://127.0.0.1:PORT"),
            (["front", "--port", "9", "--back", "10.0.0.1:7101"], "front needs --back 127.0.0.1:PORT"),
            (["front", "--port", "9", "--back", "127.0.0.1:7101,10.0.0.1:7101"], "front needs --back 127.0.0.1:PORT"),
        ] {
            let process = try ManagedProcess(name: "StackFloor-refused", executable: executable, arguments: arguments, environment: [:])
            #expect(await process.waitForExit(within: .seconds(20)) == 64)
            #expect(process.output.contains(complaint), "\(process.output)")
        }
    }
}
