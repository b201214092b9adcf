import CareerRPC
import Foundation
import HTTPTypes
import HummingbirdTesting
import RPCRuntime
import Testing

@testable import GatewayCore
import GenerationTasks

@Suite struct MetricsTests {
    @Test func metricsAreServedAsPrometheusText() async throws {
        let services = FakeCareerServices()
        try await withFakeGateway(services) { client in
            _ = try await client.post("/api/v1/interview/questions", Bodies.questions)
            services.failNextUnary(RPCError(code: .deadlineExceeded, message: "late"))
            _ = try await client.post("/api/v1/interview/questions", Bodies.questions)
            _ = try await client.execute(uri: "/no/such/path?user=secret", method: .get)

            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = response.text
            #expect(text.contains("# TYPE http_requests_total counter"))
            #expect(text.contains(#"http_requests_total{route="/api/v1/interview/questions",method="POST",status="200"} 1"#))
            #expect(text.contains(#"http_requests_total{route="/api/v1/interview/questions",method="POST",status="504"} 1"#))
            #expect(text.contains(#"http_requests_total{route="unmatched",method="GET",status="404"} 1"#))
            #expect(text.contains("# TYPE http_request_duration_seconds histogram"))
            #expect(text.contains(#"http_request_duration_seconds_count{route="/api/v1/interview/questions",method="POST"} 2"#))
            #expect(text.contains("http_requests_in_flight"))
            #expect(text.contains(#"gateway_rpc_errors_total{rpc_method="\#(InterviewQuestionsTask.definition.method.path)",code="DEADLINE_EXCEEDED"} 1"#))
            // Raw paths, query strings and user ids never become labels.
            #expect(!text.contains("secret"))
            #expect(!text.contains("no/such"))
            #expect(!text.contains(AuthMiddleware.developmentUserID))
        }
    }

    @Test func streamErrorsAreCounted() async throws {
        let services = FakeCareerServices()
        services.setStreamScript(.failAfterFirst(RPCError(code: .internal, message: "broken", reason: "MALFORMED_MODEL_OUTPUT")))
        let metrics = GatewayMetrics()
        try await withFakeGateway(services, framework: .live, metrics: metrics) { client in
            _ = try await client.post("/api/v1/coach/chat", Bodies.chat, headers: [.accept: "text/event-stream"])
        }
        let text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(text.contains(#"gateway_rpc_errors_total{rpc_method="\#(CoachMethods.streamChat.path)",code="INTERNAL"} 1"#))
        #expect(text.contains("http_event_streams_open 0"))
    }
}
