import Foundation
import Testing
import TestSupport

/// `POST /api/v1/interview/thank-you`, the task added from its definition alone (a request
/// message, a definition, a registry line): through real processes it validates, answers,
/// streams, reaches Gemini with its blocks, and is documented.
@Suite(.serialized) struct ThankYouNoteTests {
    static let profile = #"{"fullName": "Ada Lovelace", "targetJobTitle": "Staff Compiler Engineer", "companyName": "Analytical Engines", "id": "row-17", "experience": [{"company": "Babbage & Co", "title": "Engineer", "created_at": "2024-01-01"}]}"#
    static let body = #"{"profile": \#(profile), "jobDescription": "Staff compiler engineer: Swift and LLVM.", "interviewerName": "Grace Hopper", "interviewNotes": "We talked about COBOL and about nanoseconds of wire."}"#

    @Test func answersStreamsAndReachesGeminiWithItsBlocks() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }

        let reply = try await stack.send("POST", "/api/v1/interview/thank-you", json: Self.body)
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
        #expect((reply.json["text"] as? String)?.isEmpty == false)
        #expect(reply.json["model"] as? String == "gemini-2.5-flash")
        let usage = reply.json["usage"] as? [String: Any]
        #expect((usage?["totalTokens"] as? Int ?? 0) > 0)

        // Gemini saw our instruction, and the user's content as data blocks, without the
        // profile's database keys.
        let seen = String(decoding: try await stack.send("GET", "/simulator/requests", base: stack.simulatorURL).body, as: UTF8.self)
        for expected in ["thank-you note", "interview_notes", "nanoseconds of wire", "interviewer_name", "Grace Hopper", "job_description", "Babbage"] {
            #expect(seen.contains(expected), "Gemini's request lacks \(expected)")
        }
        #expect(!seen.contains("row-17"))
        #expect(!seen.contains("created_at"))

        // Streamed: deltas that add up to the text in `done`, which is the unary answer's shape.
        let events = ContractHoleTests.events(try await ContractHoleTests.stream(stack, "/api/v1/interview/thank-you", Self.body))
        let deltas = events.filter { $0.name == "delta" }.compactMap { $0.json["text"] as? String }
        let done = try #require(events.last, "no events")
        #expect(done.name == "done")
        #expect(!deltas.isEmpty)
        #expect(deltas.joined() == done.json["text"] as? String)
        #expect(done.json["model"] as? String == "gemini-2.5-flash")
    }

    @Test func refusesWhatItsShapeRefusesAndAcceptsWhatItAllows() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }
        let route = "/api/v1/interview/thank-you"
        let long = String(repeating: "é", count: 201)

        // Every problem at once, each named.
        let refused = try await stack.send("POST", route, json: #"{"profile": {"jobTitle": 3}, "interviewerName": "\#(long)", "interviewNotes": "a\u0000b", "tone": "warm"}"#)
        #expect(refused.status == 400)
        let fields = Set((refused.error["details"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
        #expect(fields == ["profile.fullName", "profile.jobTitle", "jobDescription", "interviewerName", "interviewNotes", "tone"], "\(fields)")

        // Blank is empty; `null` is absent; 200 characters of a name are fine.
        let blank = try await stack.send("POST", route, json: #"{"profile": {"fullName": "Ada"}, "jobDescription": " \n\u3000 "}"#)
        #expect(blank.status == 400)
        #expect((blank.error["details"] as? [[String: Any]])?.first?["field"] as? String == "jobDescription")
        let name = String(repeating: "é", count: 200)
        let accepted = try await stack.send("POST", route, json: #"{"profile": {"fullName": "Ada"}, "jobDescription": "Engineer", "interviewNotes": null, "interviewerName": "\#(name)"}"#)
        #expect(accepted.status == 200, "\(String(decoding: accepted.body, as: UTF8.self))")
    }

    @Test func isDocumentedFromItsDefinition() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }
        let document = try await stack.send("GET", "/openapi.json")
        let paths = document.json["paths"] as? [String: Any] ?? [:]
        let operation = try #require((paths["/api/v1/interview/thank-you"] as? [String: Any])?["post"] as? [String: Any])
        #expect(operation["operationId"] as? String == "thankYouNote")
        #expect((operation["description"] as? String)?.contains("MODEL_THANK_YOU_NOTE") == true)
        let schemas = (document.json["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
        let request = try #require(schemas["ThankYouNoteRequest"] as? [String: Any])
        #expect(Set(request["required"] as? [String] ?? []) == ["profile", "jobDescription"])
        let properties = request["properties"] as? [String: Any] ?? [:]
        let interviewerName = properties["interviewerName"] as? [String: Any] ?? [:]
        #expect(interviewerName["maxLength"] as? Int == 200)
        #expect(interviewerName["type"] as? [String] == ["string", "null"])
        #expect(paths["x-task-paths"] == nil)
        // Other methods on it are 405.
        #expect(try await stack.send("GET", "/api/v1/interview/thank-you").status == 405)
    }
}
