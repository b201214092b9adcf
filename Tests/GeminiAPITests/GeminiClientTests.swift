import Foundation
import GeminiAPI
import GeminiSimulatorCore
import JSONText
import NIOConcurrencyHelpers
import NIOCore
import Testing

@Suite("GeminiClient against the simulator")
struct GeminiClientTests {
    struct Questions: Decodable {
        struct Question: Decodable {
            var question: String
            var type: String
            var why: String
        }
        var questions: [Question]
        var fitScore: Int
        var tags: [String]
    }

    static let questionsSchema: JSONValue = [
        "type": "OBJECT",
        "properties": [
            "questions": [
                "type": "ARRAY",
                "items": [
                    "type": "OBJECT",
                    "properties": [
                        "question": ["type": "STRING"],
                        "type": ["type": "STRING", "enum": ["behavioral", "technical"]],
                        "why": ["type": "STRING"],
                    ],
                    "required": ["question", "type", "why"],
                ],
            ],
            "fitScore": ["type": "INTEGER", "minimum": 0, "maximum": 100],
            "tags": ["type": "ARRAY", "items": ["type": "STRING"], "minItems": 5],
        ],
        "required": ["questions", "fitScore", "tags"],
    ]

    @Test func schemaAnswerDecodesAndValidates() async throws {
        try await withHarness { harness in
            let config = GenerationConfig(responseMimeType: "application/json", responseSchema: Self.questionsSchema)
            let request = textRequest("Job description: senior Swift engineer", config: config)
            let response = try await harness.client.generateContent(model: "gemini-2.5-flash", request: request, deadline: soon())
            let text = try #require(response.text)
            let answer = try JSONDecoder().decode(Questions.self, from: Data(text.utf8))
            #expect(answer.questions.count == 3)
            #expect(answer.questions.allSatisfy { ["behavioral", "technical"].contains($0.type) && !$0.question.isEmpty })
            #expect((0...100).contains(answer.fitScore))
            #expect(answer.tags.count == 5)
            #expect(response.candidates?.first?.finishReason == .stop)
            #expect(response.modelVersion == "gemini-2.5-flash")
            #expect(!(response.responseId ?? "").isEmpty)
            let usage = response.usage
            #expect(usage.promptTokens > 0 && usage.outputTokens > 0)
            #expect(usage.totalTokens == usage.promptTokens + usage.outputTokens + usage.thoughtsTokens)

            // Deterministic: the same request gets the same answer.
            let again = try await harness.client.generateContent(model: "gemini-2.5-flash", request: request, deadline: soon())
            #expect(again.text == text)
        }
    }

    @Test func jsonSchemaAnswerFollowsResponseJsonSchema() async throws {
        try await withHarness { harness in
            let schema: JSONValue = [
                "type": "object",
                "properties": [
                    "level": ["type": ["string", "null"], "enum": ["junior", "senior"]],
                    "score": ["type": "number", "minimum": 1, "maximum": 2],
                    "ok": ["type": "boolean"],
                ],
                "required": ["level", "score", "ok"],
            ]
            let config = GenerationConfig(responseMimeType: "application/json", responseJsonSchema: schema)
            let response = try await harness.client.generateContent(
                model: "gemini-2.5-flash-lite", request: textRequest("rate me", config: config), deadline: soon()
            )
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(try #require(response.text).utf8))
            #expect(["junior", "senior"].contains(value["level"]?.stringValue ?? ""))
            let score = try #require(value["score"]?.numberValue)
            #expect(score >= 1 && score <= 2)
            #expect(value["ok"]?.boolValue != nil)
        }
    }

    @Test func textAnswerWithThinking() async throws {
        try await withHarness { harness in
            let config = GenerationConfig(thinkingConfig: ThinkingConfig(thinkingBudget: 128, includeThoughts: true))
            let response = try await harness.client.generateContent(
                model: "gemini-2.5-pro", request: textRequest("Write a networking brief", config: config), deadline: soon()
            )
            let text = try #require(response.text)
            #expect(text.contains("## Simulated answer"))
            #expect(text.contains("gemini-2.5-pro"))
            #expect(!text.contains("Planning the answer"), "thought parts are not answer text")
            #expect(response.thoughtText != nil)
            #expect((1...128).contains(response.usage.thoughtsTokens))
        }
    }

    @Test func functionCallAnswer() async throws {
        try await withHarness { harness in
            let declaration = FunctionDeclaration(
                name: "navigateToResumeGenerator",
                description: "Opens the resume generator.",
                parameters: ["type": "OBJECT", "properties": ["jobDescription": ["type": "STRING"]], "required": ["jobDescription"]]
            )
            var request = textRequest("Please use navigateToResumeGenerator for this job")
            request.tools = [Tool(functionDeclarations: [declaration])]
            let response = try await harness.client.generateContent(model: "gemini-2.5-pro", request: request, deadline: soon())
            let call = try #require(response.functionCalls.first)
            #expect(call.name == "navigateToResumeGenerator")
            #expect(call.args?["jobDescription"]?.stringValue != nil)
            #expect(response.candidates?.first?.content?.parts.first?.thoughtSignature != nil)
        }
    }

    @Test func keyTravelsOnlyInTheHeader() async throws {
        try await withHarness { harness in
            _ = try await harness.client.generateContent(model: "gemini-2.5-flash", request: textRequest("hello"), deadline: soon())
            let requests = try await harness.recordedRequests()
            let recorded = try #require(requests.first)
            #expect(requests.count == 1)
            #expect(recorded["apiKeyPresent"] == true)
            #expect(recorded["apiKeyValid"] == true)
            #expect(recorded["query"] == .null)
            #expect(recorded["path"] == "/v1beta/models/gemini-2.5-flash:generateContent")
            #expect(recorded["headers"]?["x-goog-api-key"] == "<redacted>")
            #expect(recorded["body"]?["contents"]?.arrayValue?.count == 1)
            #expect(recorded["body"]?["systemInstruction"] != nil)
            #expect(recorded["body"]?["tools"] == nil, "nil members are left out")
        }
    }

    @Test func unknownModelIsRejectedWithoutRetry() async throws {
        try await withHarness { harness in
            let error = try #require(
                await geminiError { try await harness.client.generateContent(model: "gemini-1.0-pro", request: textRequest("hi"), deadline: soon()) }
            )
            #expect(error.kind == .upstreamRejected)
            #expect(error.httpStatus == 404)
            #expect(error.upstreamStatus == "NOT_FOUND")
            #expect(error.code == .internal)
            #expect(error.reason == "UPSTREAM_REJECTED")
            #expect(error.attempts == 1)
            #expect(await harness.sleeps.delays.isEmpty)
        }
    }

    @Test func wrongKeyIsRejectedWithoutRetry() async throws {
        try await withHarness(clientKey: "wrong-key") { harness in
            let error = try #require(
                await geminiError { try await harness.client.generateContent(model: "gemini-2.5-flash", request: textRequest("hi"), deadline: soon()) }
            )
            #expect(error.kind == .upstreamRejected)
            #expect(error.httpStatus == 400)
            #expect(error.upstreamStatus == "INVALID_ARGUMENT")
            #expect(error.attempts == 1)
            #expect(await harness.sleeps.delays.isEmpty)
            let requests = try await harness.recordedRequests()
            #expect(requests.count == 1)
            #expect(requests.first?["apiKeyValid"] == false)
        }
    }

    @Test func rateLimitIsRetriedHonouringRetryInfo() async throws {
        try await withHarness { harness in
            try await harness.queueFault("status=429,retry-delay=2s", count: 1)
            let response = try await harness.client.generateContent(model: "gemini-2.5-flash", request: textRequest("hi"), deadline: soon(60))
            #expect(response.text != nil)
            #expect(await harness.sleeps.delays == [.seconds(2)])
            let statuses = try await harness.recordedRequests().map { $0["status"]?.intValue }
            #expect(statuses == [429, 200])
        }
    }

    @Test func rateLimitExhaustedCarriesRetryDelay() async throws {
        try await withHarness { harness in
            try await harness.queueFault("status=429,retry-delay=1.5s", count: 10)
            let error = try #require(
                await geminiError { try await harness.client.generateContent(model: "gemini-2.5-flash", request: textRequest("hi"), deadline: soon(60)) }
            )
            #expect(error.kind == .rateLimited)
            #expect(error.code == .resourceExhausted)
            #expect(error.retryDelay == .milliseconds(1500))
            #expect(error.attempts == 4)
            #expect(await harness.sleeps.delays == Array(repeating: .milliseconds(1500), count: 3))
        }
    }

    @Test func persistentOverloadExhaustsRetries() async throws {
        try await withHarness { harness in
            try await harness.queueFault("status=503", count: 10)
            let error = try #require(
                await geminiError { try await harness.client.generateContent(model: "gemini-2.5-pro", request: textRequest("hi"), deadline: soon(60)) }
            )
            #expect(error.kind == .unavailable)
            #expect(error.code == .unavailable)
            #expect(error.reason == "UPSTREAM_UNAVAILABLE")
            #expect(error.httpStatus == 503)
            #expect(error.attempts == 4)
            // Jitter is off in the harness: each wait is the ceiling 0.5 s × 2ⁿ.
            #expect(await harness.sleeps.delays == [.milliseconds(500), .seconds(1), .seconds(2)])
            #expect(try await harness.recordedRequests().count == 4)
        }
    }

    @Test func retriesNeverWaitPastTheDeadline() async throws {
        try await withHarness { harness in
            try await harness.queueFault("status=429,retry-delay=30s", count: 10)
            let error = try #require(
                await geminiError { try await harness.client.generateContent(model: "gemini-2.5-flash", request: textRequest("hi"), deadline: soon(5)) }
            )
            #expect(error.kind == .rateLimited)
            #expect(error.attempts == 1)
            #expect(await harness.sleeps.delays.isEmpty)
        }
    }

    @Test(arguments: ["safety-block", "finish=SAFETY", "finish=PROHIBITED_CONTENT", "finish=RECITATION"])
    func blockedContentIsADistinctError(fault: String) async throws {
        try await withHarness { harness in
            try await harness.queueFault(fault)
            let error = try #require(
                await geminiError { try await harness.client.generateContent(model: "gemini-2.5-flash", request: textRequest("hi"), deadline: soon()) }
            )
            #expect(error.kind == .contentBlocked)
            #expect(error.code == .failedPrecondition)
            #expect(error.reason == "CONTENT_BLOCKED")
            #expect(error.attempts == 1)
            if fault == "safety-block" { #expect(error.blockReason == "SAFETY") }
        }
    }

    /// An answer that is refused (blocked, truncated) still cost its tokens: the task's meter
    /// hears of them, by model, before the error is thrown.
    @Test(arguments: ["safety-block", "max-tokens"])
    func aRefusedAnswerIsStillMetered(fault: String) async throws {
        try await withHarness { harness in
            try await harness.queueFault(fault)
            let spent = NIOLockedValueBox<[(String, GeminiUsage)]>([])
            let meter = GeminiUsageMeter { model, usage in spent.withLockedValue { $0.append((model, usage)) } }
            let error = await GeminiUsageMeter.$current.withValue(meter) {
                await geminiError { try await harness.client.generateContent(model: "gemini-2.5-flash", request: textRequest("hi"), deadline: soon()) }
            }
            #expect(error != nil)
            let entries = spent.withLockedValue { $0 }
            #expect(entries.count == 1)
            #expect(entries.first?.0 == "gemini-2.5-flash")
            #expect((entries.first?.1.promptTokens ?? 0) > 0)
        }
    }

    @Test func maxTokensIsTruncation() async throws {
        try await withHarness { harness in
            try await harness.queueFault("max-tokens")
            let error = try #require(
                await geminiError { try await harness.client.generateContent(model: "gemini-2.5-flash", request: textRequest("hi"), deadline: soon()) }
            )
            #expect(error.kind == .outputTruncated)
            #expect(error.code == .internal)
            #expect(error.reason == "OUTPUT_TRUNCATED")
            #expect(error.finishReason == "MAX_TOKENS")
        }
    }

    @Test func smallMaxOutputTokensTruncates() async throws {
        try await withHarness { harness in
            let error = try #require(
                await geminiError {
                    try await harness.client.generateContent(
                        model: "gemini-2.5-flash", request: textRequest("hi", config: GenerationConfig(maxOutputTokens: 5)), deadline: soon()
                    )
                }
            )
            #expect(error.kind == .outputTruncated)
        }
    }

    @Test(arguments: ["empty", "no-candidates"])
    func emptyAnswerIsAnError(fault: String) async throws {
        try await withHarness { harness in
            try await harness.queueFault(fault)
            let error = try #require(
                await geminiError { try await harness.client.generateContent(model: "gemini-2.5-flash", request: textRequest("hi"), deadline: soon()) }
            )
            #expect(error.kind == .emptyAnswer)
            #expect(error.reason == "EMPTY_ANSWER")
        }
    }

    @Test func malformedJSONIsMalformedResponse() async throws {
        try await withHarness { harness in
            try await harness.queueFault("malformed-json")
            let error = try #require(
                await geminiError { try await harness.client.generateContent(model: "gemini-2.5-flash", request: textRequest("hi"), deadline: soon()) }
            )
            #expect(error.kind == .malformedResponse)
            #expect(error.code == .internal)
            #expect(error.reason == "MALFORMED_MODEL_OUTPUT")
            #expect(error.attempts == 1)
        }
    }

    @Test func deadlineShorterThanLatency() async throws {
        try await withHarness { harness in
            try await harness.queueFault("latency=3s")
            let started = ContinuousClock.now
            let error = try #require(
                await geminiError {
                    try await harness.client.generateContent(
                        model: "gemini-2.5-flash", request: textRequest("hi"), deadline: .now() + .milliseconds(300)
                    )
                }
            )
            #expect(error.kind == .deadlineExceeded)
            #expect(error.code == .deadlineExceeded)
            // Bounded well below the retry delays it must not wait for (generous: shared machine).
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(await harness.sleeps.delays.isEmpty)
        }
    }

    @Test func hangingUpstreamEndsAtTheDeadline() async throws {
        let started = ContinuousClock.now
        try await withHarness { harness in
            try await harness.queueFault("hang")
            let error = try #require(
                await geminiError {
                    try await harness.client.generateContent(
                        model: "gemini-2.5-flash", request: textRequest("hi"), deadline: .now() + .milliseconds(300)
                    )
                }
            )
            #expect(error.kind == .deadlineExceeded)
            #expect(error.attempts == 1)
        }
        // Stopping the simulator does not wait out the hanging request (held up to 30 s).
        #expect(ContinuousClock.now - started < .seconds(25))
    }

    @Test func cancellationCancelsTheCall() async throws {
        try await withHarness { harness in
            try await harness.queueFault("latency=3s")
            let started = ContinuousClock.now
            let task = Task {
                try await harness.client.generateContent(model: "gemini-2.5-flash", request: textRequest("hi"), deadline: soon())
            }
            try await Task.sleep(for: .milliseconds(200))
            task.cancel()
            let error = try #require(await geminiError { try await task.value })
            #expect(error.kind == .cancelled)
            #expect(error.code == .cancelled)
            _ = started
        }
    }

    @Test func inFlightCapAndQueueOverflowFailFast() async throws {
        try await withHarness(maxInFlight: 2, maxQueued: 1) { harness in
            try await harness.queueFault("latency=1s", count: 3)
            try await withThrowingTaskGroup(of: String?.self) { group in
                for index in 0..<3 {
                    group.addTask {
                        try await harness.client.generateContent(
                            model: "gemini-2.5-flash", request: textRequest("call \(index)"), deadline: soon(30)
                        ).text
                    }
                }
                // Wait until two calls are in flight and one is queued.
                let waitStarted = ContinuousClock.now
                while harness.client.load != (2, 1) {
                    #expect(ContinuousClock.now - waitStarted < .seconds(5))
                    try await Task.sleep(for: .milliseconds(10))
                }
                let started = ContinuousClock.now
                let error = try #require(
                    await geminiError { try await harness.client.generateContent(model: "gemini-2.5-flash", request: textRequest("one too many"), deadline: soon()) }
                )
                #expect(error.kind == .queueFull)
                #expect(error.code == .unavailable)
                #expect(error.attempts == 0)
                // Refused without waiting for a slot: the others are still where they were.
                #expect(harness.client.load == (2, 1))
                _ = started
                var answered = 0
                for try await text in group where text != nil { answered += 1 }
                #expect(answered == 3)
            }
            #expect(harness.client.load == (0, 0))
        }
    }

    @Test func connectionFailureIsRetriedThenUnavailable() async throws {
        // A port that was just free: nothing listens there.
        let port = try await withGeminiSimulator { $0.port }
        let sleeps = SleepRecorder()
        let configuration = GeminiClientConfiguration(
            apiKey: fakeKey,
            baseURL: "http://127.0.0.1:\(port)",
            retry: GeminiRetryPolicy(sleep: { await sleeps.record($0) }, jitter: { $0 }),
            connectTimeout: .milliseconds(500)
        )
        try await GeminiClient.withClient(configuration: configuration) { client in
            let error = try #require(
                await geminiError { try await client.generateContent(model: "gemini-2.5-flash", request: textRequest("hi"), deadline: soon(30)) }
            )
            #expect(error.kind == .connectionFailed)
            #expect(error.code == .unavailable)
            #expect(error.attempts == 4)
            #expect(await sleeps.delays.count == 3)
        }
    }

    @Test func invalidModelNameIsRefusedLocally() async throws {
        try await withHarness { harness in
            let error = try #require(
                await geminiError { try await harness.client.generateContent(model: "../x?key=1", request: textRequest("hi"), deadline: soon()) }
            )
            #expect(error.kind == .invalidRequest)
            #expect(error.code == .invalidArgument)
            #expect(error.attempts == 0)
            #expect(try await harness.recordedRequests().isEmpty)
        }
    }

    @Test func theKeyAppearsInNoError() async throws {
        // The simulator accepts fakeKey; one client sends it, another sends a second fake key.
        let otherKey = "AIzaFAKE-other-key-4567"
        var errors: [GeminiError] = []
        for fault in ["status=503", "status=429", "status=500", "status=403", "malformed-json", "safety-block", "max-tokens", "empty"] {
            let error = try await withHarness { harness in
                try await harness.queueFault(fault, count: 10)
                return await geminiError {
                    try await harness.client.generateContent(model: "gemini-2.5-flash", request: textRequest("hi"), deadline: soon())
                }
            }
            errors.append(try #require(error))
        }
        let rejected = try await withHarness(clientKey: otherKey) { harness in
            await geminiError { try await harness.client.generateContent(model: "gemini-2.5-flash", request: textRequest("hi"), deadline: soon()) }
        }
        errors.append(try #require(rejected))
        let notFound = try await withHarness { harness in
            await geminiError { try await harness.client.generateContent(model: "no-such-model", request: textRequest("hi"), deadline: soon()) }
        }
        errors.append(try #require(notFound))

        for error in errors {
            var dumped = ""
            dump(error, to: &dumped)
            for text in [error.description, error.message, error.reason, String(reflecting: error), dumped] {
                #expect(!text.contains(fakeKey))
                #expect(!text.contains(otherKey))
                #expect(!text.contains("AIza"))
                #expect(!text.contains("Please"), "no upstream message text")
            }
        }
        let configuration = GeminiClientConfiguration(apiKey: fakeKey)
        var dumpedConfiguration = ""
        dump(configuration, to: &dumpedConfiguration)
        #expect(!"\(configuration)".contains(fakeKey))
        #expect(!dumpedConfiguration.contains(fakeKey))
    }
}
