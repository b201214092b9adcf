import AppSupport
import GenerationCore
import Logging
import Telemetry

// Reads configuration and runs the generation service until SIGTERM or SIGINT.
await runProcess(name: "GenerationService") {
    let reader = ConfigurationReader()
    let tracing = try Telemetry.bootstrap(configuration: reader, serviceName: "career-generation")
    let logger = Logger(label: "generation")
    var process = try buildGenerationService(reader: reader, logger: logger)
    // First in the group, so it stops last and exports the spans of the calls drained before.
    if let tracing { process.companions.insert(tracing, at: 0) }
    try await process.run()
}
