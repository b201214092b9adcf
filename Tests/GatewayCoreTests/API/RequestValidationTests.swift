import CareerProto
import Foundation
import GatewayCore
import GenerationTasks
import JSONText
import TaskContract
import Testing

@Suite("Refused requests name every invalid field")
struct RequestValidationTests {
    // MARK: The body

    @Test(
        "a body that is not a JSON object is one violation on the empty field",
        arguments: ["[]", #"["text"]"#, #""text""#, "42", "true", "null"])
    func notAnObject(_ json: String) {
        #expect(violations(Career_V1_ParseProfileRequest.self, json) == [violation("", "must be a JSON object")])
    }

    @Test("an empty body")
    func emptyBody() {
        let expected = [violation("", "must be a JSON object; the body is empty")]
        #expect(violations(Career_V1_ParseProfileRequest.self, Data()) == expected)
        #expect(violations(Career_V1_ParseProfileRequest.self, " \n") == expected)
    }

    @Test("invalid JSON says why and where")
    func invalidJSON() {
        #expect(
            violations(Career_V1_ParseProfileRequest.self, #"{"text": "a",}"#)
                == [violation("", "is not valid JSON: expected a string key, found character '}' at byte 13")])
        #expect(
            violations(Career_V1_ParseProfileRequest.self, Data([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]))
                == [violation("", "is not valid JSON: invalid UTF-8 in the string at byte 1")])
    }

    // MARK: Types

    @Test("a number where a string belongs")
    func numberForString() {
        #expect(violations(Career_V1_ParseProfileRequest.self, #"{"text": 12}"#) == [violation("text", "must be a string")])
    }

    @Test("wrong types at depth in the profile, with the exact path")
    func profileTypes() {
        let found = violations(
            Career_V1_NetworkingRequest.self,
            #"""
            {"counterpartInfo": "Grace", "profile": {"fullName": "Ada", "email": false,
              "experience": [{"title": "ok"}, {"title": 5, "achievements": [{"text": "ok"}, {"text": ["x"]}, null, "s"]}],
              "education": {"institution": "x"}, "technicalSkills": [{"name": null}, 3],
              "languages": [{"name": "English", "proficiency": {"level": 1}}]}}
            """#)
        #expect(
            found == [
                violation("profile.email", "must be a string"),
                violation("profile.experience[1].title", "must be a string"),
                violation("profile.experience[1].achievements[1].text", "must be a string"),
                violation("profile.experience[1].achievements[2]", "must be an object"),
                violation("profile.experience[1].achievements[3]", "must be an object"),
                violation("profile.education", "must be an array"),
                violation("profile.technicalSkills[1]", "must be an object"),
                violation("profile.languages[0].proficiency", "must be a string"),
            ])
    }

    @Test(
        "booleans must be true or false, not numbers or strings",
        arguments: [#""yes""#, "1", "0", #""true""#, "{}"])
    func booleans(_ literal: String) {
        let found = violations(
            Career_V1_GenerateDocumentsRequest.self,
            #"{"profile": {"fullName": "A"}, "options": {"jobDescription": "JD", "thinkingMode": \#(literal), "includeSummary": \#(literal)}}"#
        )
        #expect(
            found == [
                violation("options.includeSummary", "must be a boolean"),
                violation("options.thinkingMode", "must be a boolean"),
            ])
    }

    @Test(
        "technicality must be an integer from 0 to 100",
        arguments: ["1.5", "-1", "101", #""50""#, "true", "1e400", "[50]", "99.999999"])
    func technicality(_ literal: String) {
        let found = violations(
            Career_V1_GenerateDocumentsRequest.self,
            #"{"profile": {"fullName": "A"}, "options": {"jobDescription": "JD", "technicality": \#(literal)}}"#)
        #expect(found == [violation("options.technicality", "must be an integer from 0 to 100")])
    }

    @Test("a string where an object belongs")
    func stringForObject() {
        let found = violations(
            Career_V1_GenerateDocumentsRequest.self, #"{"profile": "Ada", "options": "write it"}"#)
        #expect(found == [violation("profile", "must be an object"), violation("options", "must be an object")])
    }

    // MARK: Required fields

    @Test("required fields, absent or null")
    func required() {
        #expect(
            violations(Career_V1_GenerateDocumentsRequest.self, #"{"profile": null}"#)
                == [violation("profile", "is required"), violation("options", "is required")])
        #expect(
            violations(Career_V1_GenerateDocumentsRequest.self, #"{"profile": {}, "options": {}}"#)
                == [violation("profile.fullName", "is required"), violation("options.jobDescription", "is required")])
        #expect(violations(Career_V1_ParseProfileRequest.self, "{}") == [violation("text", "is required")])
        #expect(
            violations(Career_V1_CareerPathRequest.self, "{}")
                == [
                    violation("profile", "is required"), violation("currentRole", "is required"),
                    violation("targetRole", "is required"),
                ])
        #expect(
            violations(Career_V1_NetworkingRequest.self, "{}")
                == [violation("profile", "is required"), violation("counterpartInfo", "is required")])
        #expect(
            violations(Career_V1_InterviewQuestionsRequest.self, #"{"profile": {"fullName": "A"}}"#)
                == [violation("jobDescription", "is required")])
        #expect(
            violations(Career_V1_ChatRequest.self, #"{"message": null}"#)
                == [violation("message", "is required"), violation("profile", "is required")])
    }

    @Test("a required string of only whitespace is empty")
    func blankRequired() {
        #expect(
            violations(Career_V1_ParseProfileRequest.self, #"{"text": " \n\t "}"#)
                == [violation("text", "must not be empty")])
        #expect(
            violations(Career_V1_InterviewQuestionsRequest.self, #"{"jobDescription": "JD", "profile": {"fullName": ""}}"#)
                == [violation("profile.fullName", "must not be empty")])
    }

    @Test("documents: generateResume and generateCoverLetter not both false")
    func bothDocumentsOff() {
        let found = violations(
            Career_V1_GenerateDocumentsRequest.self,
            #"{"profile": {"fullName": "A"}, "options": {"jobDescription": "JD", "generateResume": false, "generateCoverLetter": false}}"#
        )
        #expect(
            found == [
                violation(
                    "options",
                    "must ask for at least one document: generateResume and generateCoverLetter are both false")
            ])
    }

    @Test("analyze: exactly one of profile and resumeText")
    func analyzeExactlyOne() {
        #expect(
            violations(Career_V1_AnalyzeApplicationRequest.self, #"{"jobDescription": "JD", "resumeText": null}"#)
                == [violation("profile", "is required, unless resumeText is given instead")])
        #expect(
            violations(
                Career_V1_AnalyzeApplicationRequest.self,
                #"{"jobDescription": "JD", "profile": {"fullName": "A"}, "resumeText": "r"}"#)
                == [violation("resumeText", "must not be given together with profile: send exactly one")])
        #expect(
            violations(Career_V1_AnalyzeApplicationRequest.self, #"{"jobDescription": "JD", "resumeText": 3}"#)
                == [violation("resumeText", "must be a string")])
    }

    // MARK: Unknown keys

    @Test("unknown keys are refused at the top level, naming the key")
    func unknownTopLevel() {
        #expect(
            violations(Career_V1_ParseProfileRequest.self, #"{"text": "t", "model": "pro", "Text": "x"}"#)
                == [violation("model", "is not a known field"), violation("Text", "is not a known field")])
        #expect(
            violations(Career_V1_InterviewQuestionsRequest.self, #"{"jobDescription": "JD", "resumeText": "r"}"#)
                == [violation("resumeText", "is not a known field")])
    }

    @Test("unknown keys are refused in options, history items, their actions and documentHistory items")
    func unknownNested() {
        #expect(
            violations(
                Career_V1_GenerateDocumentsRequest.self,
                #"{"profile": {"fullName": "A"}, "options": {"jobDescription": "JD", "template": "modern"}}"#)
                == [violation("options.template", "is not a known field")])
        let found = violations(
            Career_V1_ChatRequest.self,
            #"""
            {"message": "m", "profile": {"fullName": "A"},
             "history": [{"role": "user", "text": "t", "id": 4},
               {"role": "model", "text": "t", "action": {"type": "updateProfile", "extra": 1,
                 "payload": {"field": "summary", "value": "v", "old": "x"}}}],
             "documentHistory": [{"jobTitle": "E", "id": "d1"}]}
            """#)
        #expect(
            found == [
                violation("history[0].id", "is not a known field"),
                violation("history[1].action.extra", "is not a known field"),
                violation("history[1].action.payload.old", "is not a known field"),
                violation("documentHistory[0].id", "is not a known field"),
            ])
    }

    @Test("unknown keys inside the profile are dropped at any depth")
    func unknownInProfileDropped() throws {
        let request = try decode(
            Career_V1_InterviewQuestionsRequest.self,
            #"""
            {"jobDescription": "JD", "profile": {"fullName": "Ada", "user_id": "u", "created_at": 1,
              "experience": [{"id": 1, "title": "Eng", "achievements": [{"id": 2, "text": "Did", "meta": {"x": [1]}}]}]}}
            """#)
        var expected = minimalProfile()
        var experience = Career_V1_Experience()
        experience.title = "Eng"
        var achievement = Career_V1_Achievement()
        achievement.text = "Did"
        experience.achievements = [achievement]
        expected.experience = [experience]
        #expect(request.profile == expected)
        // Dropped, not kept as unknown fields that the RPC would carry on.
        #expect(try request.serializedBytes() == expectedBytes(jobDescription: "JD", profile: expected))
    }

    private func expectedBytes(jobDescription: String, profile: Career_V1_Profile) throws -> [UInt8] {
        var request = Career_V1_InterviewQuestionsRequest()
        request.jobDescription = jobDescription
        request.profile = profile
        return try request.serializedBytes()
    }

    @Test("a key given twice is refused")
    func duplicateKeys() {
        #expect(
            violations(Career_V1_ParseProfileRequest.self, #"{"text": "a", "text": "b", "text": "c"}"#)
                == [violation("text", "is given more than once")])
        #expect(
            violations(
                Career_V1_InterviewQuestionsRequest.self,
                #"{"jobDescription": "JD", "profile": {"fullName": "A", "fullName": "B", "id": 1, "id": 2}}"#)
                == [violation("profile.fullName", "is given more than once")])
    }

    @Test("a huge unknown key is cut in the path")
    func hugeKey() {
        let key = longString(1_000, of: "k")
        let found = violations(Career_V1_ParseProfileRequest.self, ["text": "t", key: 1] as JSONValue)
        #expect(found == [violation(longString(100, of: "k") + "…", "is not a known field")])
    }

    // MARK: Chat history

    @Test("history roles, texts, and actions on model turns only")
    func historyItems() {
        let found = violations(
            Career_V1_ChatRequest.self,
            #"""
            {"message": "m", "profile": {"fullName": "A"},
             "history": [{"role": "assistant", "text": "t"}, {"text": "t"}, {"role": "user"},
               {"role": "user", "text": "t", "turnState": "s",
                "action": {"type": "navigate", "payload": {"path": "/generate", "state": {"jobDescription": "JD"}}}},
               "hello", {"role": 1, "text": 2}]}
            """#)
        #expect(
            found == [
                violation("history[0].role", #"must be "user" or "model""#),
                violation("history[1].role", "is required"),
                violation("history[2].text", "is required"),
                violation("history[3].action", "is only allowed on model turns"),
                violation("history[3].turnState", "is only allowed on model turns"),
                violation("history[4]", "must be an object"),
                violation("history[5].role", #"must be "user" or "model""#),
                violation("history[5].text", "must be a string"),
            ])
    }

    @Test("invalid actions name the field")
    func invalidActions() {
        func turn(_ action: String) -> String {
            #"{"message": "m", "profile": {"fullName": "A"}, "history": [{"role": "model", "text": "t", "action": \#(action)}]}"#
        }
        let cases: [(String, [FieldViolation])] = [
            (#""navigate""#, [violation("history[0].action", "must be an object")]),
            (
                #"{"type": "deleteProfile", "payload": {}}"#,
                [violation("history[0].action.type", #"must be "updateProfile", "navigate" or "saveCareerPath""#)]
            ),
            (#"{"payload": {}}"#, [violation("history[0].action.type", "is required")]),
            (#"{"type": "updateProfile"}"#, [violation("history[0].action.payload", "is required")]),
            (
                #"{"type": "updateProfile", "payload": {"field": "fullName", "value": 3}}"#,
                [
                    violation("history[0].action.payload.field", #"must be "summary""#),
                    violation("history[0].action.payload.value", "must be a string"),
                ]
            ),
            (
                #"{"type": "navigate", "payload": {"path": "/admin", "state": {}}}"#,
                [violation("history[0].action.payload.path", #"must be "/generate" or "/coffee-chat""#)]
            ),
            (
                #"{"type": "navigate", "payload": {"path": "/generate", "state": {"counterpartInfo": "x"}}}"#,
                [
                    violation("history[0].action.payload.state.counterpartInfo", "is not a known field"),
                    violation("history[0].action.payload.state.jobDescription", "is required"),
                ]
            ),
            (
                #"{"type": "navigate", "payload": {"path": "/coffee-chat", "state": {"counterpartInfo": "G", "mode": "reachOut"}}}"#,
                [violation("history[0].action.payload.state.mode", #"must be "prep" or "reach_out""#)]
            ),
            (
                #"{"type": "saveCareerPath", "payload": {"careerPath": {"path": [{"actionItems": [{"title": 1}]}], "usage": {"totalTokens": -1}}}}"#,
                [
                    violation("history[0].action.payload.careerPath.path[0].actionItems[0].title", "must be a string"),
                    violation("history[0].action.payload.careerPath.usage.totalTokens", "must be a non-negative integer"),
                ]
            ),
        ]
        for (action, expected) in cases {
            #expect(violations(Career_V1_ChatRequest.self, turn(action)) == expected, "action: \(action)")
        }
    }

    // MARK: Limits

    @Test("profile strings: 5,000 characters accepted, 5,001 refused")
    func profileStringLimit() {
        func body(_ summary: String, _ title: String) -> JSONValue {
            ["jobDescription": "JD", "profile": ["fullName": "A", "summary": .string(summary),
                "experience": [["title": .string(title)]]]]
        }
        #expect(throws: Never.self) {
            try Career_V1_InterviewQuestionsRequest.decode(jsonBody: body(longString(5_000), longString(5_000)).jsonData())
        }
        #expect(
            violations(Career_V1_InterviewQuestionsRequest.self, body(longString(5_001), longString(5_001)))
                == [
                    violation("profile.summary", "must be at most 5000 characters (got 5001)"),
                    violation("profile.experience[0].title", "must be at most 5000 characters (got 5001)"),
                ])
    }

    @Test("lengths count Unicode scalars, not bytes or UTF-16 units")
    func scalarCounting() throws {
        // "é" is 2 UTF-8 bytes; "😀" is 4 UTF-8 bytes and 2 UTF-16 units; each is one scalar.
        for character: Character in ["é", "😀"] {
            let ok: JSONValue = ["text": .string(longString(20_000, of: character))]
            #expect(try Career_V1_ParseProfileRequest.decode(jsonBody: ok.jsonData()).text.unicodeScalars.count == 20_000)
            let over: JSONValue = ["text": .string(longString(20_001, of: character))]
            #expect(
                violations(Career_V1_ParseProfileRequest.self, over)
                    == [violation("text", "must be at most 20000 characters (got 20001)")])
        }
    }

    @Test("lists: 100 items accepted, 101 refused")
    func listLimit() {
        func body(_ count: Int) -> JSONValue {
            let items = JSONValue.array(Array(repeating: ["name": "Swift"], count: count))
            let achievements = JSONValue.array(Array(repeating: ["text": "Did"], count: count))
            return ["jobDescription": "JD", "profile": ["fullName": "A", "technicalSkills": items,
                "experience": [["achievements": achievements]]]]
        }
        #expect(throws: Never.self) { try Career_V1_InterviewQuestionsRequest.decode(jsonBody: body(100).jsonData()) }
        #expect(
            violations(Career_V1_InterviewQuestionsRequest.self, body(101))
                == [
                    violation("profile.experience[0].achievements", "must have at most 100 items (got 101)"),
                    violation("profile.technicalSkills", "must have at most 100 items (got 101)"),
                ])
    }

    @Test("long texts: 20,000 characters accepted, 20,001 refused, in every long field")
    func longTextLimit() throws {
        let ok = JSONValue.string(longString(20_000))
        let over = JSONValue.string(longString(20_001))
        let issue = "must be at most 20000 characters (got 20001)"
        func documents(_ text: JSONValue) -> JSONValue {
            ["profile": ["fullName": "A"], "options": ["jobDescription": text, "uploadedResume": text, "uploadedCoverLetter": text]]
        }
        _ = try Career_V1_GenerateDocumentsRequest.decode(jsonBody: documents(ok).jsonData())
        #expect(
            violations(Career_V1_GenerateDocumentsRequest.self, documents(over))
                == [
                    violation("options.jobDescription", issue), violation("options.uploadedResume", issue),
                    violation("options.uploadedCoverLetter", issue),
                ])
        func analyze(_ text: JSONValue) -> JSONValue { ["jobDescription": text, "resumeText": text] }
        _ = try Career_V1_AnalyzeApplicationRequest.decode(jsonBody: analyze(ok).jsonData())
        #expect(
            violations(Career_V1_AnalyzeApplicationRequest.self, analyze(over))
                == [violation("jobDescription", issue), violation("resumeText", issue)])
        func networking(_ text: JSONValue) -> JSONValue { ["profile": ["fullName": "A"], "counterpartInfo": text] }
        _ = try Career_V1_NetworkingRequest.decode(jsonBody: networking(ok).jsonData())
        #expect(violations(Career_V1_NetworkingRequest.self, networking(over)) == [violation("counterpartInfo", issue)])
        func chat(_ text: JSONValue) -> JSONValue {
            ["message": text, "profile": ["fullName": "A"], "history": [["role": "user", "text": text]]]
        }
        _ = try Career_V1_ChatRequest.decode(jsonBody: chat(ok).jsonData())
        #expect(
            violations(Career_V1_ChatRequest.self, chat(over))
                == [violation("message", issue), violation("history[0].text", issue)])
    }

    @Test("tone and lengths: 100 characters accepted, 101 refused")
    func optionTextLimit() throws {
        func body(_ count: Int) -> JSONValue {
            let text = JSONValue.string(longString(count))
            return ["profile": ["fullName": "A"], "options": ["jobDescription": "JD", "tone": text, "resumeLength": text, "coverLetterLength": text]]
        }
        _ = try Career_V1_GenerateDocumentsRequest.decode(jsonBody: body(100).jsonData())
        let issue = "must be at most 100 characters (got 101)"
        #expect(
            violations(Career_V1_GenerateDocumentsRequest.self, body(101))
                == [
                    violation("options.resumeLength", issue), violation("options.coverLetterLength", issue),
                    violation("options.tone", issue),
                ])
    }

    @Test("history: 50 turns accepted, 51 refused; documentHistory: 5 accepted, 6 refused")
    func historyLimits() throws {
        func body(turns: Int, documents: Int) -> JSONValue {
            [
                "message": "m", "profile": ["fullName": "A"],
                "history": .array(Array(repeating: ["role": "user", "text": "t"], count: turns)),
                "documentHistory": .array(Array(repeating: ["jobTitle": "E"], count: documents)),
            ]
        }
        let request = try Career_V1_ChatRequest.decode(jsonBody: body(turns: 50, documents: 5).jsonData())
        #expect(request.history.count == 50 && request.documentHistory.count == 5)
        #expect(
            violations(Career_V1_ChatRequest.self, body(turns: 51, documents: 6))
                == [
                    violation("history", "must have at most 50 items (got 51)"),
                    violation("documentHistory", "must have at most 5 items (got 6)"),
                ])
    }

    @Test("a NUL character is refused in any string")
    func nulRefused() {
        let issue = #"must not contain the NUL character (\u0000)"#
        #expect(
            violations(
                Career_V1_InterviewQuestionsRequest.self,
                #"{"jobDescription": "a\u0000b", "profile": {"fullName": "A", "skills": "\u0000", "tools": [{"name": "\u0000"}]}}"#)
                == [violation("jobDescription", issue), violation("profile.tools[0].name", issue)])
    }

    // MARK: All at once

    @Test("every violation is reported together, in body order")
    func allTogether() {
        let found = violations(
            Career_V1_GenerateDocumentsRequest.self,
            #"""
            {"profile": {"fullName": 1, "experience": [{"title": true}]},
             "options": {"jobDescription": "", "technicality": 1.5, "thinkingMode": "yes", "colour": "red"},
             "extra": 1}
            """#)
        #expect(
            found == [
                violation("extra", "is not a known field"),
                violation("profile.fullName", "must be a string"),
                violation("profile.experience[0].title", "must be a string"),
                violation("options.colour", "is not a known field"),
                violation("options.jobDescription", "must not be empty"),
                violation("options.technicality", "must be an integer from 0 to 100"),
                violation("options.thinkingMode", "must be a boolean"),
            ])
    }

    @Test("a flood of problems is listed up to the bound, then counted")
    func violationBound() {
        let skills = JSONValue.array(Array(repeating: .number("1"), count: 100))
        let tools = JSONValue.array(Array(repeating: .number("1"), count: 30))
        let found = violations(
            Career_V1_InterviewQuestionsRequest.self,
            ["jobDescription": "JD", "profile": ["fullName": "A", "technicalSkills": skills, "tools": tools]] as JSONValue)
        #expect(found.count == InputLimits.maxReportedViolations + 1)
        #expect(found.last == violation("", "and 30 more problems not listed"))
        #expect(found.first == violation("profile.technicalSkills[0]", "must be an object"))
    }

    @Test("the error says every problem in its description")
    func errorDescription() {
        let error = RequestValidationError(violations: [violation("text", "is required"), violation("", "must be a JSON object")])
        #expect(error.description == "invalid request: text is required; must be a JSON object")
    }
}
