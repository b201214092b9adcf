import AppSupport
import AsyncHTTPClient
import CareerProto
import CareerRPC
import Foundation
import GeminiAPI
import GeminiSimulatorCore
@testable import GenerationCore
import GenerationTasks
import JSONText
import NIOCore
import RPCRuntime
import ServiceRuntime
import TestSupport
import Testing

private let documentsRequest = Career_V1_GenerateDocumentsRequest.with {
    $0.profile = adaProfile
    $0.options = .with { $0.jobDescription = "Staff engineer for a compiler team: Swift, LLVM, mentoring." }
}

private let networkingRequest = Career_V1_NetworkingRequest.with {
    $0.profile = adaProfile
    $0.counterpartInfo = "Grace Hopper, rear admiral, wrote the first compiler."
}

/// Every event of a stream, in order.
private func events<Event>(_ stream: RPCResponseStream<Event>) async throws -> [Event] {
    var events: [Event] = []
    for try await event in stream { events.append(event) }
    return events
}

/// The simulator's counter of streams whose client went away, polled until it reaches `count`
/// (the limit only guards against a hang).
private func waitForDisconnects(_ simulator: RunningGeminiSimulator, _ count: Int) async throws -> Int {
    let started = ContinuousClock.now
    while true {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: simulator.baseURL + "/simulator/stats"), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        let stats = try JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))
        let seen = stats["disconnectsMidStream"]?.intValue ?? 0
        if seen >= count || ContinuousClock.now - started > .seconds(20) { return seen }
        try await Task.sleep(for: .milliseconds(20))
    }
}

// swift-protobuf's oneof accessors return a default message for the other case; these read
// the case that is really set.
extension Career_V1_DocumentsStreamEvent {
    var deltaIfSet: Career_V1_DocumentDelta? { if case .delta(let delta)? = self.event { delta } else { nil } }
    var doneIfSet: Career_V1_GenerateDocumentsResponse? { if case .done(let done)? = self.event { done } else { nil } }
}

extension Career_V1_TextStreamEvent {
    var deltaIfSet: Career_V1_TextDelta? { if case .delta(let delta)? = self.event { delta } else { nil } }
    var doneIfSet: Career_V1_TextAnswer? { if case .done(let done)? = self.event { done } else { nil } }
}

@Suite struct StreamingTaskTests {
    @Test func documentsStreamTaggedDeltasForBothDocumentsThenTheUnaryAnswer() async throws {
        try await withGenerationClient { client, _, simulator in
            let streamed = try await events(try await client.serverStreaming(GenerationMethods.streamDocuments, documentsRequest))
            let unary = try await client.unary(GenerationMethods.generateDocuments, documentsRequest)

            // Deltas first, then exactly one `done`, last.
            let doneIndices = streamed.indices.filter { streamed[$0].doneIfSet != nil }
            #expect(doneIndices == [streamed.count - 1])
            let done = try #require(streamed.last?.doneIfSet)
            let deltas = streamed.compactMap(\.deltaIfSet)
            #expect(deltas.count == streamed.count - 1)

            // Each document's deltas are its text, and the final message is the unary answer.
            for (kind, text) in [(Career_V1_DocumentKind.resume, done.resume), (.coverLetter, done.coverLetter)] {
                let joined = deltas.filter { $0.document == kind }.map(\.text).joined()
                #expect(!text.isEmpty)
                #expect(joined.trimmingCharacters(in: .whitespacesAndNewlines) == text)
            }
            #expect(deltas.allSatisfy { $0.document == .resume || $0.document == .coverLetter })
            #expect(done.resume == unary.resume)
            #expect(done.coverLetter == unary.coverLetter)
            #expect(done.model == ModelName.flash)
            #expect(done.usage == unary.usage)
            #expect(done.usage.totalTokens > 0)

            // The stream asked Gemini for one streamed call per document.
            let recorded = try await recordedGenerates(simulator)
            #expect(recorded.count == 4)
        }
    }

    @Test func aResumeOnlyStreamHasOnlyResumeDeltas() async throws {
        try await withGenerationClient { client, _, _ in
            var request = documentsRequest
            request.options.documents = .resumeOnly
            let streamed = try await events(try await client.serverStreaming(GenerationMethods.streamDocuments, request))
            #expect(streamed.compactMap(\.deltaIfSet).allSatisfy { $0.document == .resume })
            let done = try #require(streamed.last?.doneIfSet)
            #expect(!done.resume.isEmpty)
            #expect(done.coverLetter.isEmpty)
        }
    }

    @Test func briefAndReachOutStreamTheirTextThenTheUnaryAnswer() async throws {
        try await withGenerationClient { client, _, _ in
            let cases = [
                (NetworkingTasks.brief.streamMethod, NetworkingTasks.brief.method),
                (NetworkingTasks.reachOut.streamMethod, NetworkingTasks.reachOut.method),
            ]
            for (streaming, unaryMethod) in cases {
                let streamed = try await events(try await client.serverStreaming(streaming, networkingRequest))
                let unary = try await client.unary(unaryMethod, networkingRequest)
                let done = try #require(streamed.last?.doneIfSet, "\(streaming.path) ends with done")
                let deltas = streamed.dropLast().compactMap(\.deltaIfSet)
                #expect(deltas.count == streamed.count - 1, "\(streaming.path): only deltas before done")
                #expect(!deltas.isEmpty)
                #expect(deltas.map(\.text).joined().trimmingCharacters(in: .whitespacesAndNewlines) == done.text)
                #expect(done.text == unary.text)
                #expect(done.model == ModelName.flash)
                #expect(done.usage.totalTokens > 0)
            }
        }
    }

    @Test func anInvalidStreamedRequestIsRefusedWithItsFields() async throws {
        try await withGenerationClient { client, _, _ in
            let error = await #expect(throws: RPCError.self) {
                _ = try await events(try await client.serverStreaming(NetworkingTasks.reachOut.streamMethod, .with { $0.profile = adaProfile }))
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.fieldViolations.map(\.field) == ["counterpartInfo"])
        }
    }

    @Test func aSafetyBlockMidStreamEndsItWithContentBlocked() async throws {
        try await withGenerationClient { client, _, simulator in
            try await queueFault(simulator, "safety-block", count: 1)
            let error = await #expect(throws: RPCError.self) {
                _ = try await events(try await client.serverStreaming(NetworkingTasks.brief.streamMethod, networkingRequest))
            }
            #expect(error?.code == .failedPrecondition)
            #expect(error?.reason == "CONTENT_BLOCKED")
        }
    }

    @Test func cancellingTheStreamClosesTheGeminiCall() async throws {
        try await withGenerationClient { client, _, simulator in
            // Slow chunks keep the Gemini stream open while the caller goes away.
            try await queueFault(simulator, "chunk-delay=2s", count: 1)
            let (firstDelta, firstDeltaSeen) = AsyncStream.makeStream(of: Void.self)
            let consumer = Task {
                for try await event in try await client.serverStreaming(NetworkingTasks.reachOut.streamMethod, networkingRequest) where event.deltaIfSet != nil {
                    firstDeltaSeen.yield()
                }
            }
            for await _ in firstDelta { break }
            consumer.cancel()
            _ = try? await consumer.value
            #expect(try await waitForDisconnects(simulator, 1) == 1)
        }
    }
}

@Suite struct GenerationModelsTests {
    @Test func everyTaskUsesTheSpecModelUnlessConfigured() throws {
        let defaults = try GenerationModels(reader: ConfigurationReader(environment: [:]))
        #expect(defaults == GenerationModels())
        #expect(defaults.tasks["analysis"] == ModelName.pro && defaults.tasks["careerPath"] == ModelName.pro && defaults.documentsThinking == ModelName.pro)
        #expect([defaults.documents, defaults.tasks["parseProfile"], defaults.tasks["networkingBrief"], defaults.tasks["reachOut"], defaults.tasks["interviewQuestions"]].allSatisfy { $0 == ModelName.flash })

        let configured = try GenerationModels(reader: ConfigurationReader(environment: [
            "MODEL_ANALYZE_APPLICATION": "gemini-2.5-flash", "MODEL_REACH_OUT": "gemini-2.5-flash-lite",
        ]))
        #expect(configured.tasks["analysis"] == "gemini-2.5-flash")
        #expect(configured.tasks["reachOut"] == "gemini-2.5-flash-lite")
        #expect(configured.tasks["careerPath"] == ModelName.pro)

        // A defined task's setting is named after it, and its tier gives the default.
        #expect(defaults.tasks["thankYouNote"] == ModelName.flash)
        let thanks = try GenerationModels(reader: ConfigurationReader(environment: ["MODEL_THANK_YOU_NOTE": "gemini-2.5-flash-lite"]))
        #expect(thanks.tasks["thankYouNote"] == "gemini-2.5-flash-lite")
        #expect(throws: ConfigurationError(setting: "MODEL_THANK_YOU_NOTE", problem: "must be a Gemini model name such as gemini-2.5-flash")) {
            try GenerationModels(reader: ConfigurationReader(environment: ["MODEL_THANK_YOU_NOTE": "Gemini"]))
        }
    }

    @Test func aModelNameThatIsNotOneIsRefusedNamingTheSetting() {
        for bad in ["gemini/../../v1/files", "Gemini-2.5", "gemini 2.5", "gemini-2.5-pro?key=x"] {
            let error = #expect(throws: ConfigurationError.self) {
                try GenerationModels(reader: ConfigurationReader(environment: ["MODEL_CAREER_PATH": bad]))
            }
            #expect(error?.description.contains("MODEL_CAREER_PATH") == true)
        }
    }

    @Test func theRouterSendsEachTaskToItsConfiguredModel() async throws {
        try await withRunner { runner, simulator in
            var models = GenerationModels()
            models.tasks["reachOut"] = "gemini-2.5-flash-lite"
            let router = generationRouter(runner: runner, models: models)
            try await withRPCServer(RPCServerConfiguration(token: "generation-test-token"), router: router) { _, address in
                let client = try RPCClient(target: address.target, configuration: .init(token: "generation-test-token"), logger: quietLogger)
                defer { client.shutDown() }
                let answer = try await client.unary(NetworkingTasks.reachOut.method, networkingRequest)
                #expect(answer.model == "gemini-2.5-flash-lite")
                #expect(try await recordedGenerates(simulator).map(\.model) == ["gemini-2.5-flash-lite"])
            }
        }
    }
}
