import AppSupport
import CoachCore
import Logging
import Telemetry

// Reads configuration and runs the coach service until SIGTERM or SIGINT.
await runProcess(name: "CoachService") {
    let reader = ConfigurationReader()
    let tracing = try Telemetry.bootstrap(configuration: reader, serviceName: "career-coach")
    let logger = Logger(label: "coach")
    var process = try buildCoachService(reader: reader, logger: logger)
    // First in the group, so it stops last and exports the spans of the calls drained before.
    if let tracing { process.companions.insert(tracing, at: 0) }
    try await process.run()
}
