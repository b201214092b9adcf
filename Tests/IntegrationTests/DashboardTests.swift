import Foundation
import JSONText
import Testing

/// The Grafana dashboard in `deploy/grafana/` is JSON Grafana can import, and every metric its
/// queries name is one the processes really export: after a scripted set of calls (a retry, a
/// fallback, a rate-limited call, an upstream refusal, a coach turn), each name appears in a
/// scrape of the gateway's or a service's `/metrics`.
@Suite struct DashboardTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../deploy/grafana/career-backend.json")

    /// Every query of every panel.
    static func queries() throws -> [String] {
        let dashboard = try JSONValue(parsing: Data(contentsOf: Self.file))
        #expect(dashboard["uid"] == "career-backend" && dashboard["schemaVersion"]?.intValue != nil)
        let panels = dashboard["panels"]?.arrayValue ?? []
        #expect(panels.count >= 8)
        return panels.flatMap { panel in
            #expect(panel["datasource"]?["uid"] == "${datasource}", "\(panel["title"]?.stringValue ?? "?")")
            return (panel["targets"]?.arrayValue ?? []).compactMap { $0["expr"]?.stringValue }
        }
    }

    /// The metric names a query reads: in these queries every metric name is followed by its
    /// label matcher (`{…}`), which no function or keyword is.
    static func metricNames(in query: String) -> [String] {
        query.matches(of: /([a-z_][a-z0-9_]*)\{/).map { String($0.output.1) }
    }

    @Test func everyMetricTheDashboardQueriesIsExported() async throws {
        let names = Set(try Self.queries().flatMap(Self.metricNames))
        #expect(names.count >= 14)

        let stack = try await Stack(gatewayEnvironment: ["RATE_LIMIT_PRO_PER_MIN": "2"])
        defer { Task { await stack.stop() } }
        let profile = #"{"fullName": "Ada Lovelace"}"#
        // A retry; a pro call whose model stays overloaded (the fallback answers); a coach turn
        // (the second pro call) and a third pro call over the limit; a refusal from Gemini.
        try await stack.injectFault("status=503,retry-delay=0s", count: 1)
        #expect(try await stack.send("POST", "/api/v1/interview/questions", json: #"{"jobDescription": "Swift engineer"}"#).status == 200)
        try await stack.injectFault("status=503,retry-delay=0s", count: 4)
        let path = #"{"profile": \#(profile), "currentRole": "Engineer", "targetRole": "Staff engineer"}"#
        #expect(try await stack.send("POST", "/api/v1/career/path", json: path).status == 200)
        let chat = #"{"message": "How do I grow?", "profile": \#(profile)}"#
        #expect(try await stack.send("POST", "/api/v1/coach/chat", json: chat).status == 200)
        #expect(try await stack.send("POST", "/api/v1/career/path", json: path).status == 429)
        try await stack.injectFault("status=400", count: 1)
        #expect(try await stack.send("POST", "/api/v1/interview/questions", json: #"{"jobDescription": "Go engineer"}"#).status == 500)

        var exported: Set<String> = []
        for port in [stack.gatewayPort, stack.generationMetricsPort, stack.coachMetricsPort] {
            let scrape = try await ServiceMetricsTests.metrics(stack, port: port)
            #expect(scrape.status == 200)
            exported.formUnion(scrape.samples.map(\.name))
        }
        for name in names.sorted() {
            #expect(exported.contains(name), "the dashboard queries \(name), which no process exports")
        }
    }
}
