import Foundation
import JSONText
import Testing
import TestSupport

private let profile = #"""
{"fullName": "Ada Lovelace", "jobTitle": "Software Engineer", "summary": "Engineer who likes compilers.",
 "id": 42, "user_id": "u-1", "template": "modern",
 "experience": [{"company": "Analytical Engines Ltd", "title": "Software Engineer", "startDate": "2021-03", "endDate": "Present",
                 "achievements": [{"text": "Wrote the first published program"}]}],
 "education": [{"institution": "University of London", "degree": "BSc", "fieldOfStudy": "Mathematics"}],
 "technicalSkills": [{"name": "Swift"}, {"name": "LLVM"}], "languages": [{"name": "English", "proficiency": "Native"}]}
"""#
private let jobDescription = "Staff compiler engineer: Swift, LLVM, mentoring a small team."

/// Every generation endpoint through real processes (gateway → RPC → GenerationService →
/// Gemini REST → simulator): the answer has the shape the spec gives, with `model` and `usage`,
/// and it conforms to the OpenAPI document the gateway serves, as the request does.
@Suite(.serialized) struct GenerationEndpointsTests {
    /// The violations are computed first, so a failure reports them rather than the whole
    /// document and answer.
    private func expectConforms(_ openAPI: OpenAPISchemaCheck, _ body: Data, _ schema: JSONValue?, _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
        let violations = schema.map { openAPI.violations(of: body, against: $0) } ?? ["no schema"]
        #expect(violations.isEmpty, "\(what): \(violations.prefix(10))", sourceLocation: sourceLocation)
    }

    /// Posts `json` to `route` and checks both sides against the served OpenAPI document.
    private func call(_ stack: Stack, _ openAPI: OpenAPISchemaCheck, _ route: String, json: String) async throws -> Stack.Reply {
        let requestSchema = openAPI.requestSchema(path: route)
        #expect(requestSchema != nil, "\(route) has a request schema")
        expectConforms(openAPI, Data(json.utf8), requestSchema, "\(route) request")

        let reply = try await stack.send("POST", route, json: json)
        #expect(reply.status == 200, "\(route): \(String(decoding: reply.body, as: UTF8.self))")
        let answerSchema = openAPI.responseSchema(path: route)
        #expect(answerSchema != nil, "\(route) has an answer schema")
        expectConforms(openAPI, reply.body, answerSchema, "\(route) answer")
        return reply
    }

    private func expectModelAndUsage(_ json: [String: Any], model: String, _ path: String) {
        #expect(json["model"] as? String == model, "\(path) model")
        let usage = json["usage"] as? [String: Any] ?? [:]
        for key in ["promptTokens", "outputTokens", "thoughtsTokens", "totalTokens"] {
            #expect(usage[key] is Int, "\(path) usage.\(key)")
        }
        #expect((usage["totalTokens"] as? Int ?? 0) > 0, "\(path) usage.totalTokens")
    }

    @Test func everyGenerationEndpointAnswersWithItsShape() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }
        let served = try await stack.send("GET", "/openapi.json")
        #expect(served.status == 200)
        #expect(served.headers.first(name: "Content-Type")?.hasPrefix("application/json") == true)
        let openAPI = try OpenAPISchemaCheck(documentData: served.body)
        // Byte for byte the file CI validates with openapi-spec-validator.
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources/GatewayCore/OpenAPI/openapi.json")
        let file = try Data(contentsOf: source)
        let sameBytes = served.body == file
        #expect(sameBytes, "the served document is the committed file")

        // Documents: both by default, markdown strings and a warnings list.
        let documents = try await call(stack, openAPI, "/api/v1/generate/documents",
            json: #"{"profile": \#(profile), "options": {"jobDescription": "\#(jobDescription)", "tone": "confident", "technicality": 70}}"#)
        #expect(documents.status == 200)
        #expect((documents.json["resume"] as? String)?.isEmpty == false)
        #expect((documents.json["coverLetter"] as? String)?.isEmpty == false)
        #expect(documents.json["warnings"] is [Any])
        expectModelAndUsage(documents.json, model: "gemini-2.5-flash", "documents")

        // Only a cover letter, in thinking mode: the resume is null, and pro answers.
        let letter = try await call(stack, openAPI, "/api/v1/generate/documents",
            json: #"{"profile": \#(profile), "options": {"jobDescription": "\#(jobDescription)", "generateResume": false, "thinkingMode": true}}"#)
        #expect(letter.status == 200)
        #expect(letter.json["resume"] is NSNull)
        #expect((letter.json["coverLetter"] as? String)?.isEmpty == false)
        expectModelAndUsage(letter.json, model: "gemini-2.5-pro", "documents (thinking)")

        // Parse: a profile with the required full name.
        let parsed = try await call(stack, openAPI, "/api/v1/profile/parse", json: #"{"text": "Ada Lovelace\nSoftware Engineer at Analytical Engines Ltd, 2021-Present"}"#)
        #expect(parsed.status == 200)
        let parsedProfile = parsed.json["profile"] as? [String: Any] ?? [:]
        #expect((parsedProfile["fullName"] as? String)?.isEmpty == false)
        #expect(parsedProfile["experience"] is [Any])
        expectModelAndUsage(parsed.json, model: "gemini-2.5-flash", "parse")

        // Analysis, with a profile and with resume text.
        for body in [#"{"jobDescription": "\#(jobDescription)", "profile": \#(profile)}"#,
                     #"{"jobDescription": "\#(jobDescription)", "resumeText": "Ada Lovelace, compiler engineer"}"#] {
            let analysis = try await call(stack, openAPI, "/api/v1/analyze/application", json: body)
            #expect(analysis.status == 200)
            let score = analysis.json["fitScore"] as? Int ?? -1
            #expect((0...100).contains(score))
            for key in ["gapAnalysis", "keywordOptimization", "impactEnhancer"] {
                #expect((analysis.json[key] as? String)?.isEmpty == false, "analysis \(key)")
            }
            #expect(analysis.json["missingKeywords"] is [String])
            expectModelAndUsage(analysis.json, model: "gemini-2.5-pro", "analysis")
        }

        // Career path: milestones with action items.
        let path = try await call(stack, openAPI, "/api/v1/career/path",
            json: #"{"profile": \#(profile), "currentRole": "Software Engineer", "targetRole": "Engineering Manager"}"#)
        #expect(path.status == 200)
        #expect(path.json["currentRole"] as? String == "Software Engineer")
        #expect(path.json["targetRole"] as? String == "Engineering Manager")
        let milestones = path.json["path"] as? [[String: Any]] ?? []
        #expect(!milestones.isEmpty)
        for milestone in milestones {
            for key in ["timeframe", "milestoneTitle", "milestoneDescription"] {
                #expect((milestone[key] as? String)?.isEmpty == false, "path \(key)")
            }
            let items = milestone["actionItems"] as? [[String: Any]] ?? []
            #expect(!items.isEmpty)
            for item in items {
                #expect(["category", "title", "description"].allSatisfy { item[$0] is String }, "path action item")
            }
        }
        expectModelAndUsage(path.json, model: "gemini-2.5-pro", "career path")

        // The networking brief and the reach-out message: text.
        for route in ["/api/v1/networking/brief", "/api/v1/networking/reach-out"] {
            let answer = try await call(stack, openAPI, route, json: #"{"profile": \#(profile), "counterpartInfo": "Grace Hopper, rear admiral"}"#)
            #expect(answer.status == 200, "\(route)")
            #expect((answer.json["text"] as? String)?.isEmpty == false, "\(route) text")
            expectModelAndUsage(answer.json, model: "gemini-2.5-flash", route)
        }

        // The thank-you note, a task defined in one place: text.
        let thanks = try await call(stack, openAPI, "/api/v1/interview/thank-you", json: #"{"profile": \#(profile), "jobDescription": "\#(jobDescription)", "interviewerName": "Grace", "interviewNotes": "Compilers"}"#)
        #expect((thanks.json["text"] as? String)?.isEmpty == false)
        expectModelAndUsage(thanks.json, model: "gemini-2.5-flash", "thank-you")

        // Interview questions without a profile.
        let questions = try await call(stack, openAPI, "/api/v1/interview/questions", json: #"{"jobDescription": "\#(jobDescription)"}"#)
        #expect(questions.status == 200)
        #expect((questions.json["questions"] as? [Any])?.isEmpty == false)
        expectModelAndUsage(questions.json, model: "gemini-2.5-flash", "questions")

        // The coach's answers, plain and with each kind of action, against the chat schema;
        // the action and turnState come back in history as the frontend sends them.
        let plain = try await call(stack, openAPI, "/api/v1/coach/chat", json: #"{"message": "How do I prepare for a staff interview?", "profile": \#(profile)}"#)
        #expect((plain.json["text"] as? String)?.isEmpty == false)
        expectModelAndUsage(plain.json, model: "gemini-2.5-pro", "coach")
        for tool in ["updateProfessionalSummary", "navigateToResumeGenerator", "navigateToCoffeeChat", "generateAndSaveCareerPath"] {
            let acted = try await call(stack, openAPI, "/api/v1/coach/chat", json: #"{"message": "Please \#(tool) for me", "profile": \#(profile)}"#)
            let action = try #require(acted.json["action"] as? [String: Any], "\(tool) gives an action")
            let turnState = acted.json["turnState"] as? String ?? ""
            let actionJSON = String(decoding: try JSONSerialization.data(withJSONObject: action), as: UTF8.self)
            let followUp = #"{"message": "Thanks", "profile": \#(profile), "history": [{"role": "user", "text": "Please \#(tool) for me"}, {"role": "model", "text": "Done.", "action": \#(actionJSON), "turnState": "\#(turnState)"}]}"#
            _ = try await call(stack, openAPI, "/api/v1/coach/chat", json: followUp)
        }

        // Errors conform to the Error schema: a refused body, an unknown route, a dead end.
        // The check can fail: answers the document does not allow are caught.
        let analysisSchema = try #require(openAPI.responseSchema(path: "/api/v1/analyze/application"))
        let wrongAnswers = [
            #"{"fitScore": 101, "gapAnalysis": "", "keywordOptimization": "", "impactEnhancer": "", "missingKeywords": [], "model": "m", "usage": {"promptTokens": 1, "outputTokens": 1, "thoughtsTokens": 0, "totalTokens": 2}}"#,
            #"{"fitScore": 50, "gapAnalysis": "", "keywordOptimization": "", "impactEnhancer": "", "missingKeywords": [3], "model": "m", "usage": {"promptTokens": 1, "outputTokens": 1, "thoughtsTokens": 0, "totalTokens": 2}}"#,
            #"{"fitScore": 50, "gapAnalysis": "", "keywordOptimization": "", "impactEnhancer": "", "missingKeywords": [], "model": "m"}"#,
            #"{"fitScore": 50.5, "gapAnalysis": "", "keywordOptimization": "", "impactEnhancer": "", "missingKeywords": [], "model": "m", "usage": {"promptTokens": 1, "outputTokens": 1, "thoughtsTokens": 0, "totalTokens": 2}, "extra": true}"#,
        ]
        for wrong in wrongAnswers {
            #expect(!openAPI.violations(of: Data(wrong.utf8), against: analysisSchema).isEmpty, "caught: \(wrong.prefix(40))")
        }

        let errorSchema = openAPI.schema(named: "Error")
        let refused = try await stack.send("POST", "/api/v1/career/path", json: #"{"profile": {"fullName": 7}, "currentRole": "", "extra": 1}"#)
        #expect(refused.status == 400)
        expectConforms(openAPI, refused.body, errorSchema)
        #expect(Set((refused.error["details"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }).isSuperset(of: ["profile.fullName", "currentRole", "extra"]))
        let unknownRoute = try await stack.send("GET", "/api/v1/nothing-here")
        #expect([401, 404].contains(unknownRoute.status))
        expectConforms(openAPI, unknownRoute.body, errorSchema)
        let healthz = try await stack.send("GET", "/healthz")
        expectConforms(openAPI, healthz.body, openAPI.responseSchema(path: "/healthz", method: "get"))
        let readyz = try await stack.send("GET", "/readyz")
        expectConforms(openAPI, readyz.body, openAPI.responseSchema(path: "/readyz", method: "get"))

        // No profile key the database added reached Gemini.
        let seen = String(decoding: try await stack.send("GET", "/simulator/requests", base: stack.simulatorURL).body, as: UTF8.self)
        #expect(seen.contains("Analytical Engines Ltd"))
        #expect(!seen.contains("user_id") && !seen.contains("\"template\"") && !seen.contains("modern"))
    }
}
