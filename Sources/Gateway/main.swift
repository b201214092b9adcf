import AppSupport
import GatewayCore
import Hummingbird
import Logging
import Telemetry

// Reads configuration and serves the public API until SIGTERM or SIGINT.
await runProcess(name: "Gateway") {
    let reader = ConfigurationReader()
    let tracing = try Telemetry.bootstrap(configuration: reader, serviceName: "career-gateway")
    let configuration = try GatewayConfiguration(reader: reader)
    let logger = Logger(label: "gateway")
    if configuration.authDisabled {
        logger.warning("AUTH_DISABLED=1: every call runs as a development user with no token check. Never use this outside local development.")
    }
    let app = try await buildGateway(configuration: configuration, logger: logger, tracing: tracing) { port in
        logger.info("listening", metadata: ["http.port": "\(port)"])
    }
    try await app.runService()
}
