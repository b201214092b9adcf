import Testing

@testable import GeminiSimulatorCore

@Suite struct SimulatorConfigurationTests {
    @Test func theEnvironmentSetsPortHostKeyAndLatency() throws {
        let configuration = try GeminiSimulatorConfiguration.fromEnvironment([
            "PORT": "7300", "HOST": "0.0.0.0", "GEMINI_API_KEY": "k", "SIMULATOR_LATENCY": "2s",
        ])
        #expect(configuration.port == 7300)
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.apiKey == "k")
        #expect(configuration.latency == .seconds(2))
        #expect(try GeminiSimulatorConfiguration.fromEnvironment([:]).latency == .zero)
    }

    @Test func aBadSettingIsRefusedWithItsName() {
        for (name, value) in [("PORT", "x"), ("SIMULATOR_LATENCY", "soon"), ("GEMINI_API_KEY", "")] {
            #expect(throws: GeminiSimulatorConfiguration.InvalidSetting.self, "\(name)=\(value)") {
                try GeminiSimulatorConfiguration.fromEnvironment([name: value])
            }
        }
    }
}
