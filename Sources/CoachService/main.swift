import AppSupport
import CoachCore
import Logging

// Reads configuration and runs the coach service until SIGTERM or SIGINT.
await runProcess(name: "CoachService") {
    let reader = ConfigurationReader()
    _ = try LogSetup.bootstrap(configuration: reader)
    let logger = Logger(label: "coach")
    try await buildCoachService(reader: reader, logger: logger).run()
}
