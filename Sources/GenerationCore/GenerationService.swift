import AppSupport
import CareerRPC
import GeminiAPI
import GenerationTasks
import Logging
import RPCRuntime
import ServiceRuntime

/// Builds the generation service from configuration: its Gemini client, its prompts, and the
/// RPC server that serves every task. The text tasks come from their definitions
/// (``GenerationTaskRegistry``); the others are registered here.
public func buildGenerationService(reader: ConfigurationReader, logger: Logger) throws -> ServiceProcess {
    let configuration = try ServiceConfiguration(serviceName: "generation", defaultListenAddress: "127.0.0.1:7101", reader: reader)
    let models = try GenerationModels(reader: reader)
    let prompts = try PromptLibrary.load()
    let runner = ModelRunner(
        client: GeminiClient(configuration: configuration.gemini, logger: logger),
        fallbackModel: configuration.fallbackModel,
        logger: logger
    )
    return ServiceProcess(configuration: configuration, router: generationRouter(runner: runner, prompts: prompts, models: models), runner: runner, logger: logger)
}

/// The generation service's methods, unary and streamed.
public func generationRouter(runner: ModelRunner, prompts: PromptLibrary, models: GenerationModels = GenerationModels()) -> RPCRouter {
    var router = RPCRouter()
    var documents = GenerateDocumentsTask(runner: runner, resumeInstruction: prompts[.resume], coverLetterInstruction: prompts[.coverLetter])
    documents.flashModel = models.documents
    documents.thinkingModel = models.documentsThinking
    router.register(GenerationMethods.generateDocuments, handler: documents.run)
    router.register(GenerationMethods.streamDocuments, handler: documents.stream)

    var parseProfile = ParseProfileTask(runner: runner, systemInstruction: prompts[.parseProfile])
    parseProfile.model = models.parseProfile
    router.register(GenerationMethods.parseProfile, handler: parseProfile.run)

    var analyzeApplication = AnalyzeApplicationTask(runner: runner, systemInstruction: prompts[.analyzeApplication])
    analyzeApplication.model = models.analyzeApplication
    router.register(GenerationMethods.analyzeApplication, handler: analyzeApplication.run)

    var careerPath = PlanCareerPathTask(runner: runner, systemInstruction: prompts[.careerPath])
    careerPath.model = models.careerPath
    router.register(GenerationMethods.planCareerPath, handler: careerPath.run)

    var interviewQuestions = InterviewQuestionsTask(runner: runner, systemInstruction: prompts[.interviewQuestions])
    interviewQuestions.model = models.interviewQuestions
    router.register(GenerationMethods.interviewQuestions, handler: interviewQuestions.run)

    for task in GenerationTaskRegistry.textTasks {
        router.register(task, runner: runner, models: models)
    }
    return router
}
