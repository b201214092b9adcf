// The Gemini simulator process: reads PORT (7199), HOST (127.0.0.1), SIMULATOR_LATENCY and GEMINI_API_KEY (the key
// it accepts, "simulator-key") and serves until SIGTERM or SIGINT. The rules it follows are
// documented in Sources/GeminiSimulatorCore/GeminiSimulator.swift.
import Foundation
import GeminiSimulatorCore

let configuration: GeminiSimulatorConfiguration
do {
    configuration = try GeminiSimulatorConfiguration.fromEnvironment()
} catch {
    FileHandle.standardError.write(Data("gemini-simulator: \(error.description)\n".utf8))
    exit(1)
}
try await runGeminiSimulator(configuration: configuration)
