import AppSupport
import CareerRPC
import GeminiAPI
import Logging
import RPCRuntime
import ServiceRuntime

/// Builds the coach service from configuration: its Gemini client and its RPC server.
///
/// The chat methods land with the coach's own work; until then the service serves its health
/// method and answers `Chat` with `UNIMPLEMENTED`, so the whole topology already runs.
public func buildCoachService(reader: ConfigurationReader, logger: Logger) throws -> ServiceProcess {
    let configuration = try ServiceConfiguration(serviceName: "coach", defaultListenAddress: "127.0.0.1:7102", reader: reader)
    let runner = ModelRunner(
        client: GeminiClient(configuration: configuration.gemini, logger: logger),
        fallbackModel: configuration.fallbackModel,
        logger: logger
    )
    return ServiceProcess(configuration: configuration, router: RPCRouter(), runner: runner, logger: logger)
}
