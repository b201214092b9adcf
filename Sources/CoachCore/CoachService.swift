import AppSupport
import CareerRPC
import Crypto
import Foundation
import GeminiAPI
import Logging
import RPCRuntime
import ServiceRuntime

/// Builds the coach service from configuration: its Gemini client, its prompt, its RPC client
/// to the generation service (run in the process's service group) and its RPC server.
public func buildCoachService(reader: ConfigurationReader, logger: Logger) throws -> ServiceProcess {
    let configuration = try ServiceConfiguration(serviceName: "coach", defaultListenAddress: "127.0.0.1:7102", reader: reader)
    let coachConfiguration = try CoachConfiguration(reader: reader)
    let signer: TurnStateSigner
    if let key = coachConfiguration.stateKey {
        signer = TurnStateSigner(key: SymmetricKey(data: Data(key.utf8)))
    } else {
        logger.notice("COACH_STATE_KEY is unset; using a random key, so turn states do not survive a restart")
        signer = .random()
    }
    let generation = try RPCClient(
        target: coachConfiguration.generationTarget,
        configuration: RPCClientConfiguration(token: configuration.rpcToken, clientName: "coach"),
        logger: logger
    )
    let runner = ModelRunner(
        client: GeminiClient(configuration: configuration.gemini, logger: logger),
        fallbackModel: configuration.fallbackModel,
        logger: logger
    )
    var chat = CoachChat(
        runner: runner,
        conversation: CoachConversation(systemInstruction: try coachSystemInstruction(), signer: signer),
        careerPaths: CareerPathPlanner(client: generation)
    )
    chat.model = coachConfiguration.model
    return ServiceProcess(configuration: configuration, router: coachRouter(chat), runner: runner, companions: [generation], logger: logger)
}

/// The coach service's methods.
func coachRouter(_ chat: CoachChat) -> RPCRouter {
    var router = RPCRouter()
    router.register(CoachMethods.chat, handler: chat.chat)
    router.register(CoachMethods.streamChat, handler: chat.streamChat)
    return router
}

/// The coach's system instruction, `Prompts/coach.md`, read at start so a missing file stops
/// the process rather than the first chat.
func coachSystemInstruction() throws -> String {
    guard let url = Bundle.module.url(forResource: "coach", withExtension: "md", subdirectory: "Prompts") else {
        throw PromptMissing()
    }
    return try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
}

struct PromptMissing: Error, CustomStringConvertible {
    var description: String { "prompt 'coach' is missing from the CoachCore bundle" }
}
