import AppSupport
import CareerRPC
import GeminiAPI
import Logging
import RPCRuntime
import ServiceRuntime

/// Builds the generation service from configuration: its Gemini client, its prompts, and the
/// RPC server that serves every task. Adding a task is one `register` line here plus its file
/// in `Tasks/` and its prompt in `Prompts/`.
public func buildGenerationService(reader: ConfigurationReader, logger: Logger) throws -> ServiceProcess {
    let configuration = try ServiceConfiguration(serviceName: "generation", defaultListenAddress: "127.0.0.1:7101", reader: reader)
    let prompts = try PromptLibrary.load()
    let runner = ModelRunner(
        client: GeminiClient(configuration: configuration.gemini, logger: logger),
        fallbackModel: configuration.fallbackModel,
        logger: logger
    )
    return ServiceProcess(configuration: configuration, router: generationRouter(runner: runner, prompts: prompts), runner: runner, logger: logger)
}

/// The generation service's methods.
public func generationRouter(runner: ModelRunner, prompts: PromptLibrary) -> RPCRouter {
    var router = RPCRouter()
    let documents = GenerateDocumentsTask(runner: runner, resumeInstruction: prompts[.resume], coverLetterInstruction: prompts[.coverLetter])
    router.register(GenerationMethods.generateDocuments, handler: documents.run)
    router.register(GenerationMethods.parseProfile, handler: ParseProfileTask(runner: runner, systemInstruction: prompts[.parseProfile]).run)
    router.register(GenerationMethods.analyzeApplication, handler: AnalyzeApplicationTask(runner: runner, systemInstruction: prompts[.analyzeApplication]).run)
    router.register(GenerationMethods.planCareerPath, handler: PlanCareerPathTask(runner: runner, systemInstruction: prompts[.careerPath]).run)
    router.register(GenerationMethods.networkingBrief, handler: NetworkingBriefTask(runner: runner, systemInstruction: prompts[.networkingBrief]).run)
    router.register(GenerationMethods.reachOut, handler: ReachOutTask(runner: runner, systemInstruction: prompts[.reachOut]).run)
    let interviewQuestions = InterviewQuestionsTask(runner: runner, systemInstruction: prompts[.interviewQuestions])
    router.register(GenerationMethods.interviewQuestions, handler: interviewQuestions.run)
    return router
}
