import AppSupport
import CareerRPC
import GeminiAPI
import GenerationTasks
import Logging
import RPCRuntime
import ServiceRuntime

/// Builds the generation service from configuration: its Gemini client and the RPC server that
/// serves every task.
public func buildGenerationService(reader: ConfigurationReader, logger: Logger) throws -> ServiceProcess {
    let configuration = try ServiceConfiguration(serviceName: "generation", defaultListenAddress: "127.0.0.1:7101", reader: reader)
    let models = try GenerationModels(reader: reader)
    let runner = ModelRunner(
        client: GeminiClient(configuration: configuration.gemini, logger: logger),
        fallbackModel: configuration.fallbackModel,
        logger: logger
    )
    return ServiceProcess(configuration: configuration, router: generationRouter(runner: runner, models: models), runner: runner, logger: logger)
}

/// The generation service's methods, unary and streamed: the documents', then every defined
/// task's (``GenerationTaskRegistry``).
public func generationRouter(runner: ModelRunner, models: GenerationModels = GenerationModels()) -> RPCRouter {
    var router = RPCRouter()
    var documents = GenerateDocumentsTask(runner: runner)
    documents.flashModel = models.documents
    documents.thinkingModel = models.documentsThinking
    router.register(GenerationMethods.generateDocuments, handler: documents.run)
    router.register(GenerationMethods.streamDocuments, handler: documents.stream)
    for task in GenerationTaskRegistry.structuredTasks {
        router.register(task, runner: runner, models: models)
    }
    for task in GenerationTaskRegistry.textTasks {
        router.register(task, runner: runner, models: models)
    }
    return router
}
