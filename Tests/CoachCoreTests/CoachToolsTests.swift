import AppSupport
import AsyncHTTPClient
import CareerProto
import NIOCore
@testable import CoachCore
import GeminiAPI
import Logging
import RPCRuntime
import ServiceRuntime
import Testing
import TestSupport

@Suite struct CoachToolCallTests {
    @Test func validCallsBecomeTheirActions() throws {
        let summary = try CoachToolCall(FunctionCall(name: "updateProfessionalSummary", args: ["newSummary": "  Builds engines.  "]))
        // Arguments reach the action exactly as the model wrote them: nothing trimmed.
        #expect(summary.uiAction?.updateSummary.newSummary == "  Builds engines.  ")
        let resume = try CoachToolCall(FunctionCall(name: "navigateToResumeGenerator", args: ["jobDescription": "Swift at Acme\n\nRemote.\n"]))
        #expect(resume.uiAction?.navigateToResumeGenerator.jobDescription == "Swift at Acme\n\nRemote.\n")
        let coffee = try CoachToolCall(FunctionCall(name: "navigateToCoffeeChat", args: ["counterpartInfo": "Grace", "mode": "reach_out"]))
        #expect(coffee.uiAction?.navigateToCoffeeChat.mode == .reachOut)
        let path = try CoachToolCall(FunctionCall(name: "generateAndSaveCareerPath", args: ["currentRole": "Engineer", "targetRole": "Manager", "extra": 1]))
        #expect(path == .generateAndSaveCareerPath(currentRole: "Engineer", targetRole: "Manager"))
        #expect(path.uiAction == nil)
    }

    @Test(arguments: [
        FunctionCall(name: "deleteAccount", args: ["everything": true]),
        FunctionCall(name: "updateProfessionalSummary", args: nil),
        FunctionCall(name: "updateProfessionalSummary", args: ["newSummary": 42]),
        FunctionCall(name: "updateProfessionalSummary", args: ["newSummary": "   "]),
        FunctionCall(name: "updateProfessionalSummary", args: ["newSummary": .string(String(repeating: "a", count: 5_001))]),
        FunctionCall(name: "navigateToCoffeeChat", args: ["counterpartInfo": "Grace", "mode": "brunch"]),
        FunctionCall(name: "navigateToCoffeeChat", args: ["counterpartInfo": "Grace"]),
        FunctionCall(name: "navigateToResumeGenerator", args: "a string"),
        FunctionCall(name: "generateAndSaveCareerPath", args: ["currentRole": "Engineer"]),
    ])
    func invalidCallsAreRejected(call: FunctionCall) {
        #expect(throws: CoachToolCall.Rejection.self) { try CoachToolCall(call) }
    }

    @Test func everyDeclarationRequiresItsArguments() {
        for tool in CoachTool.allCases {
            let declaration = tool.declaration
            #expect(declaration.description?.isEmpty == false)
            let required = declaration.parameters?["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let properties = declaration.parameters?["properties"]?.objectValue?.map(\.key).sorted() ?? []
            #expect(required.sorted() == properties)
            #expect(!required.isEmpty)
        }
        #expect(CoachTool.declarations.first?.functionDeclarations?.count == 4)
    }
}

/// What the coach makes of a model turn, without the network: the generation client points at
/// a port nobody listens on.
@Suite struct ModelTurnTests {
    private func chat() async throws -> CoachChat {
        let gemini = GeminiClient(configuration: GeminiClientConfiguration(apiKey: "unused", baseURL: "http://127.0.0.1:1"), httpClient: .shared)
        let generation = try RPCClient(target: "127.0.0.1:\(try await freeLoopbackPort())", configuration: .init(token: rpcToken), logger: quietLogger)
        return CoachChat(
            runner: ModelRunner(client: gemini, fallbackModel: nil, logger: quietLogger),
            conversation: CoachConversation(systemInstruction: "test", signer: .random()),
            careerPaths: CareerPathPlanner(client: generation)
        )
    }

    private let context = ServerCallContext(method: "/career.v1.CoachService/Chat", metadata: [:], deadline: .now() + .seconds(5), logger: quietLogger)

    @Test func theFirstValidCallWinsAndTheOthersAreDropped() async throws {
        let modelTurn = Content(role: .model, parts: [
            Part(text: "Let me help."),
            Part(functionCall: FunctionCall(name: "launchRocket", args: [:], id: "a")),
            Part(functionCall: FunctionCall(name: "updateProfessionalSummary", args: ["newSummary": 7], id: "b")),
            Part(thoughtSignature: "sig", functionCall: FunctionCall(name: "navigateToCoffeeChat", args: ["counterpartInfo": "Grace", "mode": "prep"], id: "c")),
            Part(functionCall: FunctionCall(name: "updateProfessionalSummary", args: ["newSummary": "Second valid"], id: "d")),
        ])
        let turn = try await self.chat().complete(modelTurn, request: chatRequest("hi"), context: self.context)
        #expect(turn.action?.navigateToCoffeeChat.counterpartInfo == "Grace")
        #expect(turn.text == "Let me help.")
        #expect(turn.state.content == modelTurn)
        #expect(turn.state.responses.map { $0.id ?? "" } == ["a", "b", "c", "d"])
        #expect(turn.state.responses.map { $0.response["error"] == nil } == [false, false, true, false])
    }

    @Test func onlyInvalidCallsAndNoTextStillAnswerInText() async throws {
        let modelTurn = Content(role: .model, parts: [Part(functionCall: FunctionCall(name: "launchRocket"))])
        let turn = try await self.chat().complete(modelTurn, request: chatRequest("hi"), context: self.context)
        #expect(turn.action == nil)
        #expect(turn.text == noActionText)
    }

    @Test func aFailedCareerPathIsSaidAfterTheModelsText() async throws {
        let modelTurn = Content(role: .model, parts: [
            Part(text: "I'll plan that."),
            Part(functionCall: FunctionCall(name: "generateAndSaveCareerPath", args: ["currentRole": "Engineer", "targetRole": "CTO"])),
        ])
        let turn = try await self.chat().complete(modelTurn, request: chatRequest("hi"), context: self.context)
        #expect(turn.action == nil)
        #expect(turn.text.hasPrefix("I'll plan that.\n\nI couldn't create your career path just now (the career path planner is unavailable)"))
    }
}

@Suite struct TurnStateSignerTests {
    private let state = TurnState(
        content: Content(role: .model, parts: [
            Part(text: "Hi", thoughtSignature: "c2ln", additionalFields: ["futureField": ["kept": true]]),
            Part(functionCall: FunctionCall(name: "updateProfessionalSummary", args: ["newSummary": "x"])),
        ]),
        responses: [FunctionResponse(name: "updateProfessionalSummary", response: ["result": "done"])]
    )

    @Test func aStateRoundTripsExactly() {
        let signer = TurnStateSigner.random()
        let token = signer.sign(self.state, userID: "u")
        #expect(token.hasPrefix("v1."))
        #expect(!token.contains("=") && !token.contains("+") && !token.contains("/"))
        #expect(signer.verify(token, userID: "u") == self.state)
    }

    @Test func anotherKeyAnotherUserOrAChangedByteIsRefused() {
        let signer = TurnStateSigner(key: .init(data: Array("k".utf8) + Array(repeating: 1, count: 31)))
        let token = signer.sign(self.state, userID: "u")
        #expect(TurnStateSigner.random().verify(token, userID: "u") == nil)
        #expect(signer.verify(token, userID: "v") == nil)
        #expect(signer.verify("", userID: "u") == nil)
        #expect(signer.verify("v2" + token.dropFirst(2), userID: "u") == nil)
        for index in token.indices where token[index] != "." {
            var changed = token
            changed.replaceSubrange(index...index, with: token[index] == "A" ? "B" : "A")
            #expect(signer.verify(changed, userID: "u") == nil)
            break
        }
    }
}

@Suite struct CoachConfigurationTests {
    @Test func theCoachRefusesToStartWithoutAGeminiKey() throws {
        let reader = ConfigurationReader(environment: ["RPC_TOKEN": "a-long-enough-rpc-token"])
        #expect(throws: ConfigurationError.self) {
            _ = try buildCoachService(reader: reader, logger: quietLogger)
        }
    }

    @Test func defaultsAndBadSettings() throws {
        let defaults = try CoachConfiguration(reader: ConfigurationReader(environment: [:]))
        #expect(defaults.generationTarget == "127.0.0.1:7101")
        #expect(defaults.stateKey == nil)
        #expect(defaults.model == "gemini-2.5-pro")
        let configured = try CoachConfiguration(reader: ConfigurationReader(environment: ["MODEL_COACH": "gemini-2.5-flash"]))
        #expect(configured.model == "gemini-2.5-flash")
        let badModel = #expect(throws: ConfigurationError.self) {
            _ = try CoachConfiguration(reader: ConfigurationReader(environment: ["MODEL_COACH": "gemini/../v1"]))
        }
        #expect(badModel?.description.contains("MODEL_COACH") == true)
        #expect(throws: ConfigurationError(setting: "COACH_STATE_KEY", problem: "must be at least 32 characters")) {
            _ = try CoachConfiguration(reader: ConfigurationReader(environment: ["COACH_STATE_KEY": "short"]))
        }
        #expect(throws: ConfigurationError.self) {
            _ = try CoachConfiguration(reader: ConfigurationReader(environment: ["GENERATION_ADDR": "no-port"]))
        }
    }

    @Test func theCoachsPromptIsBundled() throws {
        #expect(try coachSystemInstruction().contains("navigateToResumeGenerator"))
    }
}
