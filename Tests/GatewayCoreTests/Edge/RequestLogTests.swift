import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import GatewayCore

/// One structured line per request, with the request and user ids and never a body, a token
/// or a key.
@Suite struct RequestLogTests {
    @Test func theRequestLineNamesTheRequestAndTheUserButNoContent() async throws {
        let logs = CapturedLogs()
        let keys = try TestKeys()
        let verifier = try await makeStandardVerifier(keys: keys)
        let token = try await makeToken(TestClaims(sub: "user-42"), signer: .hmac(testSecret))
        let secretJob = "Confidential role at Initech with salary 250k"
        try await withFakeGateway(verifier: verifier, logger: logs.logger) { client in
            let response = try await client.post(
                "/api/v1/interview/questions", #"{"jobDescription":"\#(secretJob)"}"#,
                headers: [.authorization: "Bearer \(token)", .requestID: "log-check-1", .idempotencyKey: "private-key-77"]
            )
            #expect(response.status == .ok)
            _ = try await client.post("/api/v1/interview/questions", "{}", headers: [.authorization: "Bearer \(token)x"])
        }
        let requestLines = logs.lines.filter { $0.message == "request" }
        let answered = try #require(requestLines.first { $0.metadata["request.id"] == "log-check-1" })
        #expect(answered.metadata["user.id"] == "user-42")
        #expect(answered.metadata["http.route"] == "/api/v1/interview/questions")
        #expect(answered.metadata["http.status"] == "200")
        #expect(answered.metadata["http.method"] == "POST")
        #expect(requestLines.contains { $0.metadata["http.status"] == "401" && $0.metadata["user.id"] == nil })
        let everything = logs.lines.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!everything.contains("Initech"))
        #expect(!everything.contains(token))
        #expect(!everything.contains("private-key-77"))
    }
}
