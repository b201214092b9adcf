import CareerRPC
import Foundation
import GenerationTasks
import Testing

/// Each service serves Prometheus text on `METRICS_ADDR`: the Gemini calls, tokens and retries
/// of the calls it answered, and its RPC calls by method and code.
@Suite struct ServiceMetricsTests {
    /// One sample line: `name{label="value",…} number`.
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// The samples of a Prometheus text exposition; records an issue for a line that is not one.
    static func samples(_ text: String) -> [Sample] {
        text.split(separator: "\n").compactMap { line -> Sample? in
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") { return nil }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                Issue.record("not a Prometheus sample line: \(line)")
                return nil
            }
            let series = line[..<space]
            guard let open = series.firstIndex(of: "{") else { return Sample(name: String(series), labels: [:], value: value) }
            guard series.last == "}" else {
                Issue.record("not a Prometheus sample line: \(line)")
                return nil
            }
            var labels: [String: String] = [:]
            // Label values here hold no `",` sequence (model names, methods, codes, words).
            for pair in series[series.index(after: open)..<series.index(before: series.endIndex)].split(separator: "\",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[1].hasPrefix("\"") else {
                    Issue.record("bad label in: \(line)")
                    continue
                }
                labels[String(parts[0])] = String(parts[1].dropFirst()).replacingOccurrences(of: "\"", with: "")
            }
            return Sample(name: String(series[..<open]), labels: labels, value: value)
        }
    }

    static func metrics(_ stack: Stack, port: Int) async throws -> (status: Int, text: String, samples: [Sample]) {
        let reply = try await stack.send("GET", "/metrics", base: "http://127.0.0.1:\(port)")
        let text = String(decoding: reply.body, as: UTF8.self)
        return (reply.status, text, Self.samples(text))
    }

    @Test func eachServiceCountsItsCallsTokensAndRetries() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }
        // The first Gemini answer is a 503: the client retries it.
        try await stack.injectFault("status=503,retry-delay=none", count: 1)
        let secret = "Zoë Ünal-\(UUID().uuidString)"
        let reply = try await stack.send(
            "POST", "/api/v1/interview/questions",
            json: #"{"jobDescription": "Swift engineer \#(secret)", "profile": {"fullName": "\#(secret)"}}"#
        )
        #expect(reply.status == 200)

        let generation = try await Self.metrics(stack, port: stack.generationMetricsPort)
        #expect(generation.status == 200)
        func value(_ name: String, _ labels: [String: String]) -> Double {
            generation.samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }.reduce(0) { $0 + $1.value }
        }
        // By model and by task (the RPC method answered).
        let task = "InterviewQuestions"
        #expect(value("gemini_tokens_total", ["model": "gemini-2.5-flash", "task": task, "kind": "prompt"]) > 0)
        #expect(value("gemini_tokens_total", ["model": "gemini-2.5-flash", "task": task, "kind": "output"]) > 0)
        #expect(value("gemini_retries_total", ["model": "gemini-2.5-flash", "task": task, "cause": "http_503"]) == 1)
        #expect(value("gemini_requests_total", ["model": "gemini-2.5-flash", "task": task, "outcome": "ok"]) == 1)
        #expect(value("gemini_request_duration_seconds_count", ["model": "gemini-2.5-flash", "task": task]) == 1)
        #expect(value("gemini_request_duration_seconds_count", ["model": "gemini-2.5-flash"]) == 1)
        #expect(value("rpc_server_calls_total", ["rpc_method": InterviewQuestionsTask.definition.method.path, "code": "OK"]) == 1)
        #expect(value("rpc_server_call_duration_seconds_count", ["rpc_method": InterviewQuestionsTask.definition.method.path]) == 1)
        #expect(generation.samples.contains { $0.name == "rpc_server_calls_in_flight" })
        #expect(generation.samples.contains { $0.name == "gemini_calls_in_flight" && $0.value == 0 })
        #expect(generation.samples.contains { $0.name == "gemini_calls_queued" && $0.value == 0 })
        // Personal data and the key never become a label.
        #expect(!generation.text.contains(secret))
        #expect(!generation.text.contains(Stack.geminiKey))
        #expect(!generation.text.contains("user"))

        let coach = try await Self.metrics(stack, port: stack.coachMetricsPort)
        #expect(coach.status == 200)
        #expect(coach.samples.contains { $0.name == "gemini_calls_in_flight" })
    }
}
