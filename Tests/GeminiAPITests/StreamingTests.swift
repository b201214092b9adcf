import AsyncHTTPClient
import Foundation
import GeminiAPI
import GeminiSimulatorCore
import JSONText
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// What reading a whole stream gave: the chunks delivered, then the error that ended it.
struct Drained: Sendable {
    var chunks: [GenerateContentResponse] = []
    var error: GeminiError?
    var accumulated = GeminiStreamAccumulator()
}

/// Reads `stream` to its end; records an issue for an error that is not a ``GeminiError``.
func drain(_ stream: GeminiResponseStream, sourceLocation: SourceLocation = #_sourceLocation) async -> Drained {
    var drained = Drained()
    do {
        for try await chunk in stream {
            drained.chunks.append(chunk)
            drained.accumulated.add(chunk)
        }
    } catch let error as GeminiError {
        drained.error = error
    } catch {
        Issue.record("expected a GeminiError, got \(error)", sourceLocation: sourceLocation)
    }
    return drained
}

/// A log handler that keeps every line it is given, metadata included.
struct CapturingLogHandler: LogHandler {
    final class Store: Sendable {
        private let lines = NIOLockedValueBox<[String]>([])
        func append(_ line: String) { lines.withLockedValue { $0.append(line) } }
        var all: [String] { lines.withLockedValue { $0 } }
    }

    let store: Store
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    init(label: String, store: Store) {
        self.label = label
        self.store = store
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        for (key, value) in event.metadata ?? [:] { merged[key] = value }
        let error = event.error.map { String(reflecting: $0) } ?? ""
        store.append("\(event.level) \(label) \(event.message) \(merged) \(error) \(event.source) \(event.file)")
    }
}

@Suite("GeminiClient streaming against the simulator")
struct StreamingTests {
    static let model = "gemini-2.5-flash"

    /// The simulator closes a connection once a stream on it ends (it watches for the client
    /// leaving, and Hummingbird then closes); it must say `Connection: close`, or a pooled
    /// client sends its next request on the closing connection and gets "Remote connection
    /// closed" (thousands of retries in the held-streams benchmark).
    /// A consumer that leaves a stream finds its tokens metered by the time its cancellation
    /// returns: the service's call then reports them in its closing status, rather than
    /// whenever the producer notices.
    @Test func anAbandonedStreamIsMeteredAsItsConsumerIsCancelled() async throws {
        try await withHarness { harness in
            try await harness.queueFault("chunk-delay=2s")
            let spent = NIOLockedValueBox<[(String, GeminiUsage)]>([])
            let meter = GeminiUsageMeter { model, usage in spent.withLockedValue { $0.append((model, usage)) } }
            let firstChunk = AsyncStream<Void>.makeStream()
            let consumer = Task {
                try await GeminiUsageMeter.$current.withValue(meter) {
                    for try await _ in harness.client.streamGenerateContent(model: Self.model, request: textRequest("hi"), deadline: soon()) {
                        firstChunk.continuation.yield()
                    }
                }
            }
            for await _ in firstChunk.stream { break }
            consumer.cancel()
            // Straight after cancel() returned: no waiting for the producer.
            let entries = spent.withLockedValue { $0 }
            #expect(entries.count == 1)
            #expect(entries.first?.0 == Self.model)
            #expect((entries.first?.1.promptTokens ?? 0) > 0)
            #expect((entries.first?.1.outputTokens ?? 0) > 0)
            _ = try? await consumer.value
            // The producer's own end does not meter it again.
            try await Task.sleep(for: .milliseconds(200))
            #expect(spent.withLockedValue { $0.count } == 1)
        }
    }

    @Test func streamsOneAfterAnotherOnOnePooledConnectionNeedNoRetry() async throws {
        try await withHarness(maxInFlight: 1) { harness in
            for _ in 0..<6 {
                let result = try await harness.client.streamGenerateContent(model: Self.model, request: textRequest("hi"), deadline: soon()).collect()
                #expect(!result.text.isEmpty)
            }
            let retryWaits = await harness.sleeps.delays
            #expect(retryWaits.isEmpty, "retried \(retryWaits.count) times")
            var request = HTTPClientRequest(url: harness.simulator.baseURL + "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse")
            request.method = .POST
            request.headers.add(name: "x-goog-api-key", value: fakeKey)
            request.body = .bytes(ByteBuffer(string: #"{"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}"#))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 20)
            #expect(response.headers["connection"].first?.lowercased() == "close")
        }
    }

    @Test func textDeltasConcatenateToTheUnaryAnswer() async throws {
        try await withHarness { harness in
            let request = textRequest("Write a networking brief for a product designer")
            let unary = try await harness.client.generateContent(model: Self.model, request: request, deadline: soon())
            let drained = await drain(harness.client.streamGenerateContent(model: Self.model, request: request, deadline: soon()))
            #expect(drained.error == nil)
            #expect(drained.chunks.count >= 3)
            #expect(drained.accumulated.text == unary.text)
            #expect(drained.chunks.allSatisfy { ($0.text ?? "").count > 0 }, "each text chunk adds text")

            // Usage is cumulative: the last chunk's is the total, equal to the unary call's.
            #expect(drained.accumulated.usage == unary.usage)
            let outputs = drained.chunks.map { $0.usage.outputTokens }
            #expect(outputs == outputs.sorted())
            #expect(drained.chunks.last?.usage == unary.usage)
            #expect(drained.accumulated.usage.totalTokens
                == drained.accumulated.usage.promptTokens + drained.accumulated.usage.outputTokens + drained.accumulated.usage.thoughtsTokens)

            // finishReason only on the last chunk.
            #expect(drained.chunks.dropLast().allSatisfy { $0.candidates?.first?.finishReason == nil })
            #expect(drained.accumulated.finishReason == .stop)
            #expect(drained.accumulated.modelVersion == Self.model)
            #expect(drained.accumulated.merged.text == unary.text)
            try drained.accumulated.merged.validate()

            let recorded = try await harness.recordedRequests()
            #expect(recorded.count == 2)
            let streamed = try #require(recorded.last)
            #expect(streamed["path"] == "/v1beta/models/gemini-2.5-flash:streamGenerateContent")
            #expect(streamed["query"] == "alt=sse")
            #expect(streamed["apiKeyValid"] == true)
            #expect(streamed["headers"]?["x-goog-api-key"] == "<redacted>")
            #expect(streamed["headers"]?["accept"] == "text/event-stream")
            #expect(streamed["status"] == 200)
            #expect(streamed["body"] == recorded.first?["body"])
            #expect(streamed["stream"]?["outcome"] == "completed")
            #expect(streamed["stream"]?["chunksSent"]?.intValue == drained.chunks.count)
        }
    }

    @Test func collectGivesTextAndFinalUsage() async throws {
        try await withHarness { harness in
            let request = textRequest("Draft a reach-out message")
            let unary = try await harness.client.generateContent(model: "gemini-2.5-pro", request: request, deadline: soon())
            let result = try await harness.client.streamGenerateContent(model: "gemini-2.5-pro", request: request, deadline: soon()).collect()
            #expect(result.text == unary.text)
            #expect(result.usage == unary.usage)
            #expect(result.usage.thoughtsTokens > 0)
            #expect(result.chunkCount >= 3)
        }
    }

    @Test func schemaAnswerIsSplitAcrossChunks() async throws {
        try await withHarness { harness in
            let config = GenerationConfig(responseMimeType: "application/json", responseSchema: GeminiClientTests.questionsSchema)
            let request = textRequest("Job description: staff Swift engineer", config: config)
            let unary = try await harness.client.generateContent(model: Self.model, request: request, deadline: soon())
            let drained = await drain(harness.client.streamGenerateContent(model: Self.model, request: request, deadline: soon()))
            #expect(drained.error == nil)
            #expect(drained.chunks.count >= 3)
            // No single chunk is valid JSON on its own; together they are the unary answer.
            let pieces = drained.chunks.compactMap(\.text)
            #expect(pieces.allSatisfy { (try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8))) == nil })
            #expect(drained.accumulated.text == unary.text)
            let answer = try JSONDecoder().decode(GeminiClientTests.Questions.self, from: Data(drained.accumulated.text.utf8))
            #expect(answer.questions.count == 3)
        }
    }

    @Test func thoughtsAndFunctionCallsStream() async throws {
        try await withHarness { harness in
            let declaration = FunctionDeclaration(
                name: "navigateToCoffeeChat",
                description: "Opens the coffee chat page.",
                parameters: [
                    "type": "OBJECT",
                    "properties": ["counterpartInfo": ["type": "STRING"], "mode": ["type": "STRING", "enum": ["prep", "reach_out"]]],
                    "required": ["counterpartInfo", "mode"],
                ]
            )
            var request = textRequest("Please navigateToCoffeeChat with my mentor")
            request.tools = [Tool(functionDeclarations: [declaration])]
            request.generationConfig = GenerationConfig(thinkingConfig: ThinkingConfig(thinkingBudget: 256, includeThoughts: true))
            let unary = try await harness.client.generateContent(model: "gemini-2.5-pro", request: request, deadline: soon())
            let result = try await harness.client.streamGenerateContent(model: "gemini-2.5-pro", request: request, deadline: soon()).collect()
            #expect(result.functionCalls == unary.functionCalls)
            #expect(result.functionCalls.first?.name == "navigateToCoffeeChat")
            #expect(result.parts.contains { $0.functionCall != nil && $0.thoughtSignature != nil })
            #expect(!result.thoughtText.isEmpty)
            #expect(result.text.isEmpty, "thoughts are not answer text")
            #expect(result.usage == unary.usage)
            #expect(result.merged.candidates?.first?.content?.parts == unary.candidates?.first?.content?.parts)
        }
    }

    @Test func latencyAndChunkDelayStillDeliverTheAnswer() async throws {
        try await withHarness { harness in
            let request = textRequest("slow but steady")
            let unary = try await harness.client.generateContent(model: Self.model, request: request, deadline: soon())
            try await harness.queueFault("latency=200ms,chunk-delay=50ms")
            let result = try await harness.client.streamGenerateContent(model: Self.model, request: request, deadline: soon(30)).collect()
            #expect(result.text == unary.text)
            #expect(try await harness.recordedRequests().last?["fault"] == "latency=200ms,chunk-delay=50ms")
        }
    }

    @Test func rateLimitBeforeTheFirstChunkIsRetried() async throws {
        try await withHarness { harness in
            try await harness.queueFault("status=429,retry-delay=2s")
            let result = try await harness.client.streamGenerateContent(model: Self.model, request: textRequest("hi"), deadline: soon(60)).collect()
            #expect(!result.text.isEmpty)
            #expect(await harness.sleeps.delays == [.seconds(2)])
            let statuses = try await harness.recordedRequests().map { $0["status"]?.intValue }
            #expect(statuses == [429, 200])
        }
    }

    @Test(arguments: [500, 503, 504])
    func serverErrorsBeforeTheFirstChunkAreRetried(status: Int) async throws {
        try await withHarness { harness in
            try await harness.queueFault("status=\(status)", count: 2)
            let result = try await harness.client.streamGenerateContent(model: Self.model, request: textRequest("hi"), deadline: soon(60)).collect()
            #expect(!result.text.isEmpty)
            #expect(await harness.sleeps.delays == [.milliseconds(500), .seconds(1)])
            #expect(try await harness.recordedRequests().count == 3)
        }
    }

    @Test func persistentOverloadExhaustsRetries() async throws {
        try await withHarness { harness in
            try await harness.queueFault("status=503", count: 10)
            let drained = await drain(harness.client.streamGenerateContent(model: Self.model, request: textRequest("hi"), deadline: soon(60)))
            let error = try #require(drained.error)
            #expect(drained.chunks.isEmpty)
            #expect(error.kind == .unavailable)
            #expect(error.httpStatus == 503)
            #expect(error.attempts == 4)
        }
    }

    @Test(arguments: [400, 403, 404])
    func rejectionsAreNotRetried(status: Int) async throws {
        try await withHarness { harness in
            try await harness.queueFault("status=\(status)", count: 10)
            let drained = await drain(harness.client.streamGenerateContent(model: Self.model, request: textRequest("hi"), deadline: soon(60)))
            let error = try #require(drained.error)
            #expect(error.kind == .upstreamRejected)
            #expect(error.httpStatus == status)
            #expect(error.attempts == 1)
            #expect(await harness.sleeps.delays.isEmpty)
        }
    }

    @Test func unknownModelIsRejected() async throws {
        try await withHarness { harness in
            let drained = await drain(harness.client.streamGenerateContent(model: "gemini-1.0-pro", request: textRequest("hi"), deadline: soon()))
            let error = try #require(drained.error)
            #expect(error.kind == .upstreamRejected)
            #expect(error.httpStatus == 404)
            #expect(error.upstreamStatus == "NOT_FOUND")
        }
    }

    @Test func promptSafetyBlockIsContentBlocked() async throws {
        try await withHarness { harness in
            try await harness.queueFault("safety-block")
            let drained = await drain(harness.client.streamGenerateContent(model: Self.model, request: textRequest("hi"), deadline: soon()))
            let error = try #require(drained.error)
            #expect(error.kind == .contentBlocked)
            #expect(error.blockReason == "SAFETY")
            #expect(error.code == .failedPrecondition)
            #expect(drained.chunks.isEmpty)
            #expect(error.attempts == 1)
        }
    }

    @Test(arguments: ["SAFETY", "PROHIBITED_CONTENT", "RECITATION"])
    func blockingFinishReasonMidStreamIsContentBlocked(reason: String) async throws {
        try await withHarness { harness in
            try await harness.queueFault("finish=\(reason)")
            let drained = await drain(harness.client.streamGenerateContent(model: Self.model, request: textRequest("hi"), deadline: soon()))
            let error = try #require(drained.error)
            #expect(error.kind == .contentBlocked)
            #expect(error.finishReason == reason)
            #expect(drained.chunks.count == 1, "the text before the block was delivered; the blocking chunk was not")
            #expect(error.attempts == 1)
        }
    }

    @Test func maxTokensAtTheEndIsOutputTruncated() async throws {
        try await withHarness { harness in
            let request = textRequest("a long answer please")
            let unary = try #require(try await harness.client.generateContent(model: Self.model, request: request, deadline: soon()).text)
            try await harness.queueFault("max-tokens")
            let drained = await drain(harness.client.streamGenerateContent(model: Self.model, request: request, deadline: soon()))
            let error = try #require(drained.error)
            #expect(error.kind == .outputTruncated)
            #expect(error.finishReason == "MAX_TOKENS")
            #expect(error.reason == "OUTPUT_TRUNCATED")
            #expect(drained.chunks.count >= 3, "the truncated text was delivered before the error")
            #expect(drained.chunks.last?.candidates?.first?.finishReason == .maxTokens)
            #expect(unary.hasPrefix(drained.accumulated.text))
            #expect(drained.accumulated.text.count < unary.count)
        }
    }

    @Test(arguments: ["empty", "no-candidates"])
    func noTextAtAllIsEmptyAnswer(fault: String) async throws {
        try await withHarness { harness in
            try await harness.queueFault(fault)
            let drained = await drain(harness.client.streamGenerateContent(model: Self.model, request: textRequest("hi"), deadline: soon()))
            let error = try #require(drained.error)
            #expect(error.kind == .emptyAnswer)
            #expect(error.reason == "EMPTY_ANSWER")
            #expect(error.attempts == 1)
        }
    }

    @Test func garbageDataLineIsMalformed() async throws {
        try await withHarness { harness in
            try await harness.queueFault("malformed-json", count: 10)
            let drained = await drain(harness.client.streamGenerateContent(model: Self.model, request: textRequest("hi"), deadline: soon()))
            let error = try #require(drained.error)
            #expect(error.kind == .malformedResponse)
            #expect(error.reason == "MALFORMED_MODEL_OUTPUT")
            #expect(drained.chunks.count == 1)
            #expect(error.attempts == 1)
            #expect(await harness.sleeps.delays.isEmpty)
        }
    }

    @Test func resetMidStreamIsAnErrorAndNotReplayed() async throws {
        try await withHarness { harness in
            try await harness.queueFault("reset", count: 10)
            let drained = await drain(harness.client.streamGenerateContent(model: Self.model, request: textRequest("hi"), deadline: soon(30)))
            let error = try #require(drained.error, "a reset must not end the stream silently")
            #expect(error.kind == .connectionFailed)
            #expect(error.code == .unavailable)
            #expect(drained.chunks.count == 1)
            #expect(error.attempts == 1, "output had started: no retry")
            #expect(await harness.sleeps.delays.isEmpty)
            let recorded = try await harness.recordedRequests()
            #expect(recorded.count == 1)
            #expect(recorded.first?["stream"]?["outcome"] == "reset")
            #expect(try await harness.stats()["streamResets"] == 1)
        }
    }

    @Test func hangingUpstreamEndsAtTheDeadline() async throws {
        let started = ContinuousClock.now
        try await withHarness { harness in
            try await harness.queueFault("hang")
            let drained = await drain(
                harness.client.streamGenerateContent(model: Self.model, request: textRequest("hi"), deadline: .now() + .milliseconds(500))
            )
            let error = try #require(drained.error)
            #expect(error.kind == .deadlineExceeded)
            #expect(error.code == .deadlineExceeded)
        }
        #expect(ContinuousClock.now - started < .seconds(25), "does not hang")
    }

    @Test func deadlineBoundsTheWholeStream() async throws {
        try await withHarness { harness in
            // The first chunk comes at once (well within 3 s, however loaded the machine); the
            // second would come 5 s later, past the deadline.
            try await harness.queueFault("chunk-delay=5s")
            let drained = await drain(
                harness.client.streamGenerateContent(model: Self.model, request: textRequest("hi"), deadline: .now() + .seconds(3))
            )
            let error = try #require(drained.error)
            #expect(error.kind == .deadlineExceeded)
            #expect(drained.chunks.count == 1)
            // The upstream request was closed: the simulator notices at its next write.
            #expect(try await harness.waitForDisconnects(1) == 1)
        }
    }

    @Test func cancellingTheConsumerClosesTheUpstream() async throws {
        try await withHarness { harness in
            try await harness.queueFault("chunk-delay=2s")
            let (firstChunk, firstChunkSeen) = AsyncStream.makeStream(of: Void.self)
            let task = Task {
                var count = 0
                for try await _ in harness.client.streamGenerateContent(model: Self.model, request: textRequest("hi"), deadline: soon(30)) {
                    count += 1
                    firstChunkSeen.yield()
                }
                return count
            }
            for await _ in firstChunk { break }
            task.cancel()
            let error = try #require(await geminiError { try await task.value })
            #expect(error.kind == .cancelled)
            #expect(try await harness.waitForDisconnects(1) == 1)
            let recorded = try await harness.recordedRequests()
            #expect(recorded.first?["stream"]?["outcome"] == "client-disconnected")
            #expect(harness.client.load == (0, 0))
        }
    }

    @Test func leavingTheLoopEarlyClosesTheUpstream() async throws {
        try await withHarness { harness in
            try await harness.queueFault("chunk-delay=2s")
            var stream: GeminiResponseStream? = harness.client.streamGenerateContent(
                model: Self.model, request: textRequest("hi"), deadline: soon(30)
            )
            var iterator = stream?.makeAsyncIterator()
            stream = nil
            let first = try await iterator?.next()
            #expect(first?.text != nil)
            iterator = nil
            #expect(try await harness.waitForDisconnects(1) == 1)
            // The permit came back.
            let started = ContinuousClock.now
            while harness.client.load != (0, 0), ContinuousClock.now - started < .seconds(10) {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(harness.client.load == (0, 0))
        }
    }

    @Test func streamsShareTheInFlightLimit() async throws {
        try await withHarness(maxInFlight: 1, maxQueued: 0) { harness in
            // Chunks slow enough that the first stream is surely still open during the checks,
            // however loaded the machine; it is abandoned afterwards, not read to the end.
            try await harness.queueFault("chunk-delay=5s")
            let stream = harness.client.streamGenerateContent(model: Self.model, request: textRequest("first"), deadline: soon(60))
            var iterator: GeminiResponseStream.AsyncIterator? = stream.makeAsyncIterator()
            _ = try await iterator?.next()
            #expect(harness.client.load == (1, 0))
            let refused = await drain(harness.client.streamGenerateContent(model: Self.model, request: textRequest("second"), deadline: soon()))
            #expect(refused.error?.kind == .queueFull)
            #expect(refused.error?.attempts == 0)
            let unary = try #require(
                await geminiError { try await harness.client.generateContent(model: Self.model, request: textRequest("third"), deadline: soon()) }
            )
            #expect(unary.kind == .queueFull)
            // Abandoning the stream gives its permit back.
            iterator = nil
            let started = ContinuousClock.now
            while harness.client.load != (0, 0), ContinuousClock.now - started < .seconds(20) {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(harness.client.load == (0, 0))
        }
    }

    @Test func connectionRefusedIsRetriedThenUnavailable() async throws {
        let port = try await withGeminiSimulator { $0.port }
        let sleeps = SleepRecorder()
        let configuration = GeminiClientConfiguration(
            apiKey: fakeKey,
            baseURL: "http://127.0.0.1:\(port)",
            retry: GeminiRetryPolicy(sleep: { await sleeps.record($0) }, jitter: { $0 }),
            connectTimeout: .milliseconds(500)
        )
        try await GeminiClient.withClient(configuration: configuration) { client in
            let drained = await drain(client.streamGenerateContent(model: Self.model, request: textRequest("hi"), deadline: soon(30)))
            let error = try #require(drained.error)
            #expect(error.kind == .connectionFailed)
            #expect(error.attempts == 4)
            #expect(await sleeps.delays.count == 3)
        }
    }

    @Test func invalidModelNameIsRefusedLocally() async throws {
        try await withHarness { harness in
            let drained = await drain(harness.client.streamGenerateContent(model: "x/../y?key=1", request: textRequest("hi"), deadline: soon()))
            #expect(drained.error?.kind == .invalidRequest)
            #expect(drained.error?.attempts == 0)
            let recorded = try await harness.recordedRequests()
            #expect(recorded.isEmpty)
        }
    }

    @Test func withoutAltSSETheSimulatorSendsAJSONArray() async throws {
        try await withHarness { harness in
            var request = HTTPClientRequest(url: harness.simulator.baseURL + "/v1beta/models/gemini-2.5-flash:streamGenerateContent")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "x-goog-api-key", value: fakeKey)
            request.body = .bytes(ByteBuffer(string: #"{"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}"#))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            #expect(response.status.code == 200)
            #expect(response.headers.first(name: "content-type")?.hasPrefix("application/json") == true)
            let data = Data(try await response.body.collect(upTo: 1024 * 1024).readableBytesView)
            let chunks = try JSONDecoder().decode([GenerateContentResponse].self, from: data)
            #expect(chunks.count >= 3)
            #expect(chunks.last?.candidates?.first?.finishReason == .stop)
        }
    }

    /// Streaming calls that fail in every way, with a recognisable fake key: the key is in no
    /// error and no log line (client's or simulator's).
    @Test func theKeyAppearsInNoErrorOrLogLine() async throws {
        let streamKey = "AIzaFAKE-stream-key-0123"
        let store = CapturingLogHandler.Store()
        let logger = Logger(label: "gemini-test") { CapturingLogHandler(label: $0, store: store) }
        var errors: [GeminiError] = []

        func run(
            fault: String?,
            count: Int = 10,
            clientKey: String = streamKey,
            simulatorKey: String = streamKey,
            model: String = Self.model,
            deadline: @escaping @Sendable () -> NIODeadline = { soon() }
        ) async throws -> GeminiError {
            let drained = try await withHarness(clientKey: clientKey, simulatorKey: simulatorKey, logger: logger) { harness in
                if let fault { try await harness.queueFault(fault, count: count) }
                return await drain(harness.client.streamGenerateContent(model: model, request: textRequest("hi"), deadline: deadline()))
            }
            return try #require(drained.error, "fault \(fault ?? "none") must fail")
        }

        for fault in [
            "status=503", "status=429", "status=500", "status=504", "status=400", "status=403", "malformed-json", "safety-block",
            "finish=SAFETY", "max-tokens", "empty", "no-candidates", "reset",
        ] {
            errors.append(try await run(fault: fault))
        }
        errors.append(try await run(fault: "hang", deadline: { .now() + .milliseconds(300) }))
        errors.append(try await run(fault: "chunk-delay=2s", deadline: { .now() + .milliseconds(500) }))
        errors.append(try await run(fault: nil, simulatorKey: "another-key"))
        errors.append(try await run(fault: nil, clientKey: "AIzaFAKE-stream-key-0123-wrong"))
        errors.append(try await run(fault: nil, model: "no-such-model"))
        errors.append(try await run(fault: nil, model: "bad/\(streamKey)"))
        // Cancelled mid-stream.
        let cancelled = try await withHarness(clientKey: streamKey, simulatorKey: streamKey, logger: logger) { harness in
            try await harness.queueFault("chunk-delay=2s")
            let task = Task {
                for try await _ in harness.client.streamGenerateContent(model: Self.model, request: textRequest("hi"), deadline: soon()) {}
            }
            try await Task.sleep(for: .milliseconds(100))
            task.cancel()
            return await geminiError { try await task.value }
        }
        errors.append(try #require(cancelled))
        #expect(Set(errors.map(\.kind)).count >= 9)

        for error in errors {
            var dumped = ""
            dump(error, to: &dumped)
            for text in [error.description, error.message, error.reason, String(reflecting: error), dumped] {
                #expect(!text.contains("AIzaFAKE"), "\(error.kind)")
                #expect(!text.contains("stream-key"), "\(error.kind)")
            }
        }
        let lines = store.all
        #expect(lines.contains { $0.contains("gemini call failed") }, "the client logged")
        for line in lines {
            #expect(!line.contains("AIzaFAKE"))
            #expect(!line.contains("stream-key"))
        }
    }
}
