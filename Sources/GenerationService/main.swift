import AppSupport
import GenerationCore
import Logging

// Reads configuration and runs the generation service until SIGTERM or SIGINT.
await runProcess(name: "GenerationService") {
    let reader = ConfigurationReader()
    _ = try LogSetup.bootstrap(configuration: reader)
    let logger = Logger(label: "generation")
    try await buildGenerationService(reader: reader, logger: logger).run()
}
