import Foundation
import OTLPReceiver
import Testing
import TestSupport

/// One trace through every process, exported over OTLP to a real receiver: the gateway continues
/// the caller's `traceparent`, the context crosses the RPC, and each process adds its spans.
@Suite(.serialized) struct TracingTests {
    static let callerTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let callerSpanID = "00f067aa0ba902b7"
    static let traceparent = "00-\(callerTraceID)-\(callerSpanID)-01"
    static let jobDescription = "Quantum basket weaving lead at Glimmerforge Ltd."
    static let questionsBody = #"""
    {"jobDescription": "Quantum basket weaving lead at Glimmerforge Ltd.",
     "profile": {"fullName": "Philippa Quennell-Brightwater",
                 "experience": [{"company": "Acme", "title": "Engineer", "achievements": [{"text": "Cut p99 latency by 40%"}]}]}}
    """#

    /// The stack's settings for exporting to `receiver` over `protocolName`, with a short batch
    /// delay so that a test sees its spans quickly.
    static func exporting(to receiver: OTLPTraceReceiver, over protocolName: String) -> [String: String] {
        let port = protocolName == "grpc" ? receiver.grpcPort : receiver.httpPort
        return [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(port)",
            "OTEL_EXPORTER_OTLP_PROTOCOL": protocolName,
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            "LOG_LEVEL": "debug",
        ]
    }

    @Test(arguments: ["http/protobuf", "grpc"])
    func oneCallIsOneTraceThatContinuesTheCallersAcrossEveryProcess(protocolName: String) async throws {
        let receiver = try await OTLPTraceReceiver.start()
        defer { Task { await receiver.stop() } }
        let settings = Self.exporting(to: receiver, over: protocolName)
        let stack = try await Stack(gatewayEnvironment: settings, serviceEnvironment: settings)
        defer { Task { await stack.stop() } }
        let requestID = "traced.\(UUID().uuidString.prefix(8))"

        try await stack.injectFault("status=503,retry-delay=none", count: 1)
        let reply = try await stack.send(
            "POST", "/api/v1/interview/questions", json: Self.questionsBody,
            headers: [("X-Request-Id", requestID), ("traceparent", Self.traceparent), ("tracestate", "vendor=kept")]
        )
        #expect(reply.status == 200, "\(stack.diagnostics)")

        let spans = await receiver.waitForSpans { spans in
            let trace = spans.filter { $0.traceID == Self.callerTraceID }
            return trace.contains { $0.serviceName == "career-gateway" && $0.kind == .server }
                && trace.filter { $0.name.hasPrefix("generate_content ") }.count >= 2
                && trace.contains { $0.serviceName == "career-generation" && $0.kind == .server }
        }
        // Only the call is traced (the readiness probes and health checks are not), and every
        // span of it continues the caller's trace.
        let trace = spans.filter { $0.traceID == Self.callerTraceID }
        #expect(trace.count == spans.count, "\(spans)")
        #expect(spans.allSatisfy { $0.transport == protocolName })

        // gateway HTTP span ← gateway RPC client span ← generation RPC server span ← Gemini attempts
        let http = try #require(trace.first { $0.serviceName == "career-gateway" && $0.kind == .server }, "\(trace)")
        #expect(http.parentSpanID == Self.callerSpanID)
        #expect(http.name == "/api/v1/interview/questions")
        #expect(http.attributes["http.request.method"] == "POST")
        #expect(http.attributes["http.response.status_code"] == "200")
        #expect(http.attributes["http.response.header.x_request_id"] == requestID)
        #expect(http.span.traceState.contains("vendor=kept"))
        let rpcClient = try #require(trace.first { $0.serviceName == "career-gateway" && $0.kind == .client }, "\(trace)")
        #expect(rpcClient.parentSpanID == http.spanID)
        #expect(rpcClient.name == "career.v1.GenerationService/InterviewQuestions")
        #expect(rpcClient.attributes["rpc.method"] == "InterviewQuestions")
        #expect(rpcClient.attributes["rpc.response.status_code"] == "OK")
        let rpcServer = try #require(trace.first { $0.serviceName == "career-generation" && $0.kind == .server }, "\(trace)")
        #expect(rpcServer.parentSpanID == rpcClient.spanID)
        #expect(rpcServer.name == rpcClient.name)

        // The retried Gemini call: two attempts under the RPC server span, the first a 503.
        let attempts = trace.filter { $0.name.hasPrefix("generate_content ") }.sorted { ($0.attributes["gemini.attempt"] ?? "") < ($1.attributes["gemini.attempt"] ?? "") }
        #expect(attempts.count == 2, "\(trace)")
        #expect(attempts.allSatisfy { $0.parentSpanID == rpcServer.spanID && $0.kind == .client })
        #expect(attempts.map { $0.attributes["gemini.attempt"] } == ["1", "2"])
        #expect(attempts.first?.attributes["http.response.status_code"] == "503")
        #expect(attempts.first?.attributes["error.type"] == "http_503")
        #expect(attempts.first?.isError == true)
        let answered = try #require(attempts.last)
        #expect(answered.attributes["http.response.status_code"] == "200")
        #expect(answered.attributes["gen_ai.request.model"] == "gemini-2.5-flash")
        #expect(Int(answered.attributes["gen_ai.usage.input_tokens"] ?? "") ?? 0 > 0)
        #expect(Int(answered.attributes["gen_ai.usage.output_tokens"] ?? "") ?? 0 > 0)

        // Nothing personal and no secret in any span.
        for span in spans {
            for secret in ["Philippa", "Quennell", "Glimmerforge", "basket weaving", "Cut p99", Stack.geminiKey, Stack.rpcToken] {
                #expect(!span.allText.contains(secret), "\(span) carries \(secret)")
            }
        }

        // Log lines about the call carry the trace id, in both processes.
        for (name, output) in [("gateway", stack.gateway.output), ("generation", stack.generation.output)] {
            let lines = CallLogTests.lines(output).filter { $0["request.id"] as? String == requestID }
            #expect(!lines.isEmpty, "\(name) wrote no line about the call")
            #expect(lines.allSatisfy { $0["trace.id"] as? String == Self.callerTraceID }, "\(name): \(lines)")
            #expect(lines.allSatisfy { ($0["span.id"] as? String)?.count == 16 }, "\(name): \(lines)")
        }
    }

    @Test func theCoachsCareerPathCallJoinsTheTraceAcrossThreeProcesses() async throws {
        let receiver = try await OTLPTraceReceiver.start()
        defer { Task { await receiver.stop() } }
        let settings = Self.exporting(to: receiver, over: "http/protobuf")
        let stack = try await Stack(gatewayEnvironment: settings, serviceEnvironment: settings)
        defer { Task { await stack.stop() } }

        // No traceparent: the gateway starts the trace.
        let reply = try await stack.send("POST", "/api/v1/coach/chat", json: careerPathChat)
        #expect(reply.status == 200, "\(stack.diagnostics)")
        let spans = await receiver.waitForSpans { spans in
            spans.contains { $0.serviceName == "career-gateway" && $0.kind == .server }
                && spans.contains { $0.serviceName == "career-generation" && $0.kind == .server }
                && spans.contains { $0.serviceName == "career-coach" && $0.kind == .server }
                && spans.contains { $0.attributes["db.operation.name"] == "save_result" }
        }
        let http = try #require(spans.first { $0.serviceName == "career-gateway" && $0.kind == .server }, "\(spans)")
        #expect(http.parentSpanID == nil)
        let trace = spans.filter { $0.traceID == http.traceID }
        #expect(Set(trace.map(\.serviceName)) == ["career-gateway", "career-coach", "career-generation"], "\(spans)")
        let coachServer = try #require(trace.first { $0.serviceName == "career-coach" && $0.kind == .server })
        #expect(coachServer.name == "career.v1.CoachService/Chat")
        let coachToGeneration = try #require(trace.first { $0.serviceName == "career-coach" && $0.kind == .client && $0.name.hasPrefix("career.v1.") })
        #expect(coachToGeneration.name == "career.v1.GenerationService/PlanCareerPath")
        #expect(coachToGeneration.parentSpanID == coachServer.spanID)
        let generationServer = try #require(trace.first { $0.serviceName == "career-generation" && $0.kind == .server })
        #expect(generationServer.parentSpanID == coachToGeneration.spanID)
        #expect(trace.contains { $0.serviceName == "career-generation" && $0.name == "generate_content gemini-2.5-pro" && $0.parentSpanID == generationServer.spanID })
        #expect(trace.contains { $0.serviceName == "career-coach" && $0.name.hasPrefix("generate_content ") && $0.parentSpanID == coachServer.spanID })
        // The saved result's database write is a span of the request too.
        #expect(trace.contains { $0.serviceName == "career-gateway" && $0.attributes["db.operation.name"] == "save_result" && $0.attributes["db.system.name"] == "sqlite" })
        for span in trace {
            #expect(!span.allText.contains("Zoë"), "\(span)")
        }
    }

    /// Without `OTEL_EXPORTER_OTLP_ENDPOINT`, no process exports anything: nothing connects to
    /// the default OTLP ports on this machine.
    @Test func withoutAnEndpointNothingIsExported() async throws {
        let receiver = try await OTLPTraceReceiver.start(httpPort: 4318, grpcPort: 4317)
        defer { Task { await receiver.stop() } }
        let stack = try await Stack()
        defer { Task { await stack.stop() } }
        let reply = try await stack.send(
            "POST", "/api/v1/interview/questions", json: Self.questionsBody, headers: [("traceparent", Self.traceparent)]
        )
        #expect(reply.status == 200)
        let chat = try await stack.send("POST", "/api/v1/coach/chat", json: careerPathChat)
        #expect(chat.status == 200)
        try await Task.sleep(for: .seconds(1))
        #expect(receiver.collected.connectionCount == 0)
        #expect(receiver.collected.exportCount == 0)
        // And no log line carries a trace id.
        #expect(!stack.gateway.output.contains("\"trace.id\""))
        #expect(!stack.generation.output.contains("\"trace.id\""))
    }

    /// A sampler ratio that is not one, or an unknown protocol, stops a process at start with one
    /// line naming the setting, in every process, instead of being ignored.
    @Test(arguments: ["Gateway", "GenerationService", "CoachService"])
    func aBadTracingSettingStopsTheProcessAtStart(program: String) async throws {
        for (setting, value) in [("OTEL_TRACES_SAMPLER_ARG", "1.5"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon")] {
            let process = try ManagedProcess(program, environment: [
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9", setting: value,
                "RPC_TOKEN": Stack.rpcToken, "GEMINI_API_KEY": "k", "LISTEN_ADDR": "127.0.0.1:0", "AUTH_DISABLED": "1", "PORT": "0",
            ])
            #expect(await process.waitForExit() == 1, "\(program) \(setting)")
            let output = process.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(output.contains(setting) && output.contains(value), "\(program): \(output)")
            #expect(output.split(separator: "\n").count == 1, "\(program): \(output)")
        }
    }

    /// A collector that is down costs the calls nothing: they are answered, and the exporter's
    /// failures are the processes' own JSON log lines, naming no secret.
    @Test func aCollectorThatIsDownHarmsNoCall() async throws {
        let closedPort = try await freeLoopbackPort()
        let settings = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(closedPort)", "OTEL_BSP_SCHEDULE_DELAY": "100"]
        let stack = try await Stack(gatewayEnvironment: settings, serviceEnvironment: settings)
        defer { Task { await stack.stop() } }
        for _ in 0..<3 {
            let reply = try await stack.send("POST", "/api/v1/interview/questions", json: Self.questionsBody)
            #expect(reply.status == 200, "\(stack.diagnostics)")
        }
        try await Task.sleep(for: .milliseconds(500))
        let ready = try await stack.send("GET", "/readyz")
        #expect(ready.status == 200)
        for output in [stack.gateway.output, stack.generation.output] {
            let lines = output.split(separator: "\n").filter { !$0.isEmpty }
            #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil }, "\(lines.filter { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) == nil })")
            #expect(!output.contains(Stack.geminiKey) && !output.contains("Philippa"))
        }
    }

    /// A call Gemini refuses: the failure shows on every span of the path, with the status each
    /// side saw, and the caller still gets its error.
    @Test func aFailedCallMarksItsSpansAsFailed() async throws {
        let receiver = try await OTLPTraceReceiver.start()
        defer { Task { await receiver.stop() } }
        let settings = Self.exporting(to: receiver, over: "http/protobuf")
        let stack = try await Stack(gatewayEnvironment: settings, serviceEnvironment: settings)
        defer { Task { await stack.stop() } }
        try await stack.injectFault("status=400", count: 1)
        let reply = try await stack.send("POST", "/api/v1/interview/questions", json: Self.questionsBody, headers: [("traceparent", Self.traceparent)])
        #expect(reply.status == 500)
        let spans = await receiver.waitForSpans { spans in
            spans.contains { $0.serviceName == "career-gateway" && $0.kind == .server && $0.traceID == Self.callerTraceID }
                && spans.contains { $0.serviceName == "career-generation" && $0.kind == .server && $0.traceID == Self.callerTraceID }
        }
        let trace = spans.filter { $0.traceID == Self.callerTraceID }
        let attempt = try #require(trace.first { $0.name.hasPrefix("generate_content ") }, "\(trace)")
        #expect(attempt.isError && attempt.attributes["error.type"] == "http_400" && attempt.attributes["http.response.status_code"] == "400")
        let server = try #require(trace.first { $0.serviceName == "career-generation" && $0.kind == .server })
        let client = try #require(trace.first { $0.serviceName == "career-gateway" && $0.kind == .client })
        #expect(server.isError && client.isError, "\(trace)")
        #expect(server.attributes["rpc.response.status_code"] == client.attributes["rpc.response.status_code"])
        #expect(server.attributes["rpc.response.status_code"] != "OK")
        let http = try #require(trace.first { $0.serviceName == "career-gateway" && $0.kind == .server })
        #expect(http.attributes["http.response.status_code"] == "500")
    }
}
