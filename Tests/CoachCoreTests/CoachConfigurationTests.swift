import AppSupport
@testable import CoachCore
import Testing
import TestSupport

@Suite struct CoachConfigurationTests {
    @Test func theCoachRefusesToStartWithoutAGeminiKey() throws {
        let reader = ConfigurationReader(environment: ["RPC_TOKEN": "a-long-enough-rpc-token"])
        #expect(throws: ConfigurationError.self) {
            _ = try buildCoachService(reader: reader, logger: quietLogger)
        }
    }
}
