import AsyncHTTPClient
import CareerProto
import CareerRPC
@testable import CoachCore
import Foundation
import GeminiAPI
import GeminiSimulatorCore
import GenerationTasks
import NIOConcurrencyHelpers
import NIOCore
import RPCRuntime
import ServiceRuntime
import Testing
import TestSupport

let rpcToken = "coach-test-token-0123456789"

/// A stand-in generation service that answers `PlanCareerPath` with a fixed path and records
/// each call's request and metadata.
final class FakeGeneration: Sendable {
    private let calls = NIOLockedValueBox<[(request: Career_V1_CareerPathRequest, metadata: Metadata, hadDeadline: Bool)]>([])

    var received: [(request: Career_V1_CareerPathRequest, metadata: Metadata, hadDeadline: Bool)] { self.calls.withLockedValue { $0 } }

    static func path(for request: Career_V1_CareerPathRequest) -> Career_V1_CareerPathResponse {
        .with {
            $0.currentRole = request.currentRole
            $0.targetRole = request.targetRole
            $0.path = [.with {
                $0.timeframe = "Months 0-6"
                $0.milestoneTitle = "Lead a project"
                $0.actionItems = [.with { $0.category = "Experience"; $0.title = "Own a launch"; $0.description_p = "Ship one." }]
            }]
            $0.model = ModelName.pro
            $0.usage = .with { $0.totalTokens = 123_456 }
        }
    }

    var router: RPCRouter {
        var router = RPCRouter()
        router.register(PlanCareerPathTask.definition.method) { [self] request, context in
            self.calls.withLockedValue { $0.append((request, context.metadata, context.deadline != nil)) }
            return Self.path(for: request)
        }
        return router
    }
}

/// Everything a coach test needs: a client of the coach's RPC server, the in-process simulator
/// behind it, and the fake generation service it asks for career paths.
struct CoachHarness: Sendable {
    let client: RPCClient
    let simulator: RunningGeminiSimulator
    let generation: FakeGeneration
    let signer: TurnStateSigner

    func chat(_ request: Career_V1_ChatRequest, userID: String = "user-1") async throws -> Career_V1_ChatResponse {
        try await self.client.unary(CoachMethods.chat, request, metadata: ["request-id": "req-1", "user-id": userID], deadline: .now() + .seconds(20))
    }

    func stream(_ request: Career_V1_ChatRequest) async throws -> [Career_V1_ChatStreamEvent] {
        let stream = try await self.client.serverStreaming(CoachMethods.streamChat, request, metadata: ["user-id": "user-1"], deadline: .now() + .seconds(20))
        var events: [Career_V1_ChatStreamEvent] = []
        for try await event in stream { events.append(event) }
        return events
    }

    /// The bodies of the generate requests the simulator received, oldest first.
    func geminiRequests() async throws -> [[String: Any]] {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: self.simulator.baseURL + "/simulator/requests"), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 16 << 20)
        let json = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        return (json?["requests"] as? [[String: Any]] ?? []).map { $0["body"] as? [String: Any] ?? [:] }
    }

    func queueFault(_ fault: String, count: Int) async throws {
        var request = HTTPClientRequest(url: self.simulator.baseURL + "/simulator/faults")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"fault": "\#(fault)", "count": \#(count)}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        #expect(response.status.code < 300)
    }
}

/// The coach's router served over a real RPC connection, its Gemini client on an in-process
/// simulator (retries without sleeping), its generation client on `FakeGeneration` — or on a
/// port where nothing listens when `generationDown`.
func withCoach<T: Sendable>(generationDown: Bool = false, _ body: @Sendable (CoachHarness) async throws -> T) async throws -> T {
    try await withGeminiSimulator { simulator in
        var retry = GeminiRetryPolicy()
        retry.sleep = { _ in }
        let gemini = GeminiClient(configuration: GeminiClientConfiguration(apiKey: simulator.apiKey, baseURL: simulator.baseURL, retry: retry))
        defer { Task { try? await gemini.shutdown() } }
        let runner = ModelRunner(client: gemini, fallbackModel: ModelName.flash, logger: quietLogger)
        let fake = FakeGeneration()
        return try await withRPCServer(RPCServerConfiguration(token: rpcToken), router: fake.router) { _, generationAddress in
            let unusedPort = try await freeLoopbackPort()
            let target = generationDown ? "127.0.0.1:\(unusedPort)" : generationAddress.target
            let generation = try RPCClient(target: target, configuration: .init(token: rpcToken), logger: quietLogger)
            defer { generation.shutDown() }
            let signer = TurnStateSigner.random()
            let chat = CoachChat(
                runner: runner,
                conversation: CoachConversation(systemInstruction: try coachSystemInstruction(), signer: signer),
                careerPaths: CareerPathPlanner(client: generation)
            )
            return try await withRPCServer(RPCServerConfiguration(token: rpcToken), router: coachRouter(chat)) { _, address in
                let client = try RPCClient(target: address.target, configuration: .init(token: rpcToken), logger: quietLogger)
                defer { client.shutDown() }
                return try await body(CoachHarness(client: client, simulator: simulator, generation: fake, signer: signer))
            }
        }
    }
}

let adaProfile = Career_V1_Profile.with {
    $0.fullName = "Ada Lovelace"
    $0.jobTitle = "Software Engineer"
    $0.summary = "Engineer who likes engines."
}

func chatRequest(_ message: String, history: [Career_V1_ChatTurn] = []) -> Career_V1_ChatRequest {
    .with {
        $0.message = message
        $0.profile = adaProfile
        $0.history = history
        $0.documentHistory = [.with { $0.jobTitle = "Staff Engineer"; $0.companyName = "Babbage & Co"; $0.createdAt = "2025-05-01" }]
    }
}

func turn(_ role: Career_V1_ChatRole, _ text: String, state: String = "", action: Career_V1_CoachAction? = nil) -> Career_V1_ChatTurn {
    .with {
        $0.role = role
        $0.text = text
        $0.turnState = state
        if let action { $0.action = action }
    }
}

/// Every part of every turn of a recorded Gemini request, flattened.
func parts(_ body: [String: Any]) -> [[String: Any]] {
    (body["contents"] as? [[String: Any]] ?? []).flatMap { $0["parts"] as? [[String: Any]] ?? [] }
}
