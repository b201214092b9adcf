import AppSupport
import Testing

@testable import ServiceRuntime

@Suite struct ServiceConfigurationTests {
    private func configuration(_ extra: [String: String]) throws(ConfigurationError) -> ServiceConfiguration {
        let environment = ["RPC_TOKEN": "a-token-of-at-least-sixteen-bytes", "GEMINI_API_KEY": "k"].merging(extra) { _, new in new }
        return try ServiceConfiguration(serviceName: "generation", defaultListenAddress: "127.0.0.1:7101", reader: ConfigurationReader(environment: environment))
    }

    @Test func callsPerConnectionDefaultTo1024AndAreConfigurable() throws {
        #expect(try self.configuration([:]).maxCallsPerConnection == 1_024)
        #expect(try self.configuration(["RPC_MAX_CALLS_PER_CONNECTION": "12000"]).maxCallsPerConnection == 12_000)
        for bad in ["0", "many"] {
            #expect(throws: ConfigurationError.self) { try self.configuration(["RPC_MAX_CALLS_PER_CONNECTION": bad]) }
        }
    }
}
