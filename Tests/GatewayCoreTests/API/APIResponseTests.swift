import CareerProto
import Foundation
@testable import GatewayCore
import GenerationTasks
import JSONText
import TaskContract
import Testing

func sampleUsage() -> Career_V1_Usage {
    var usage = Career_V1_Usage()
    usage.promptTokens = 10
    usage.outputTokens = 20
    usage.thoughtsTokens = 5
    usage.totalTokens = 35
    return usage
}

let sampleUsageJSON = #"{"promptTokens":10,"outputTokens":20,"thoughtsTokens":5,"totalTokens":35}"#

func sampleCareerPath() -> Career_V1_CareerPathResponse {
    var answer = Career_V1_CareerPathResponse()
    answer.currentRole = "Engineer"
    answer.targetRole = "CTO"
    var milestone = Career_V1_CareerMilestone()
    milestone.timeframe = "0-6 months"
    milestone.milestoneTitle = "Lead"
    milestone.milestoneDescription = "Lead a team"
    var item = Career_V1_CareerActionItem()
    item.category = "Skill"
    item.title = "Mentor"
    item.description_p = "Mentor two engineers"
    milestone.actionItems = [item]
    answer.path = [milestone]
    answer.model = "gemini-2.5-pro"
    answer.usage = sampleUsage()
    return answer
}

let sampleCareerPathJSON = """
    {"currentRole":"Engineer","targetRole":"CTO","path":[{"timeframe":"0-6 months","milestoneTitle":"Lead",\
    "milestoneDescription":"Lead a team","actionItems":[{"category":"Skill","title":"Mentor",\
    "description":"Mentor two engineers"}]}],"model":"gemini-2.5-pro","usage":\(sampleUsageJSON)}
    """

@Suite("Answers are written with exactly the spec's keys")
struct APIResponseTests {
    @Test("interview questions")
    func interviewQuestions() {
        var answer = Career_V1_InterviewQuestionsResponse()
        var first = Career_V1_InterviewQuestion()
        first.question = "Tell me about a conflict."
        first.type = .behavioral
        first.why = "Teamwork"
        var second = Career_V1_InterviewQuestion()
        second.question = "Design a cache."
        second.type = .technical
        second.why = "Systems"
        answer.questions = [first, second]
        answer.model = "gemini-2.5-flash"
        answer.usage = sampleUsage()
        #expect(
            text(answer.jsonBody())
                == #"{"questions":[{"question":"Tell me about a conflict.","type":"behavioral","why":"Teamwork"},{"question":"Design a cache.","type":"technical","why":"Systems"}],"model":"gemini-2.5-flash","usage":\#(sampleUsageJSON)}"#
        )
    }

    @Test("documents: an empty document is null")
    func documents() {
        var answer = Career_V1_GenerateDocumentsResponse()
        answer.resume = "**Ada**\n\n- Wrote \"Note G\""
        answer.warnings = ["Claims a PhD the profile does not list"]
        answer.model = "gemini-2.5-pro"
        answer.usage = sampleUsage()
        #expect(
            text(answer.jsonBody())
                == #"{"resume":"**Ada**\n\n- Wrote \"Note G\"","coverLetter":null,"warnings":["Claims a PhD the profile does not list"],"model":"gemini-2.5-pro","usage":\#(sampleUsageJSON)}"#
        )
        var coverOnly = Career_V1_GenerateDocumentsResponse()
        coverOnly.coverLetter = "Dear team"
        #expect(
            text(coverOnly.jsonBody())
                == #"{"resume":null,"coverLetter":"Dear team","warnings":[],"model":"","usage":{"promptTokens":0,"outputTokens":0,"thoughtsTokens":0,"totalTokens":0}}"#
        )
    }

    @Test("parse: the profile with every field of the spec's Profile")
    func parse() throws {
        var answer = Career_V1_ParseProfileResponse()
        answer.profile = expectedFullProfile()
        answer.model = "gemini-2.5-flash"
        answer.usage = sampleUsage()
        let json = answer.jsonValue
        #expect(keys(json) == ["profile", "model", "usage"])
        let profile = try #require(member(json, "profile"))
        #expect(
            keys(profile) == [
                "fullName", "jobTitle", "email", "phone", "website", "location", "linkedin", "github", "summary",
                "experience", "education", "projects", "technicalSkills", "softSkills", "tools", "certifications",
                "interests", "languages", "additionalInformation", "industry", "experienceLevel", "targetJobTitle",
                "companyName", "companyKeywords", "keySkillsToHighlight",
            ])
        #expect(
            member(profile, "experience")
                == [[
                    "company": "Babbage & Co", "title": "Programmer", "location": "London", "startDate": "1842-01",
                    "endDate": "Present", "achievements": [["text": "Wrote the first program"]],
                ]])
        #expect(
            member(profile, "education")
                == [[
                    "institution": "Home", "degree": "None", "fieldOfStudy": "Mathematics", "startDate": "1830",
                    "endDate": "1835", "gpa": "4.0", "relevantCoursework": "Calculus", "awardsHonors": "Countess",
                ]])
        #expect(
            member(profile, "projects")
                == [[
                    "name": "Notes", "description": "Note G", "url": "https://example.com/g",
                    "technologiesUsed": "Analytical Engine", "startDate": "1842", "endDate": "1843",
                ]])
        #expect(member(profile, "technicalSkills") == [["name": "Mathematics"]])
        #expect(member(profile, "languages") == [["name": "English", "proficiency": "Native"]])
    }

    @Test("a parsed profile decodes back to the same message")
    func parsedProfileRoundTrip() throws {
        let profile = expectedFullProfile()
        let body: JSONValue = ["jobDescription": "JD", "profile": ShapeMapping.completeJSON(profile, ProfileShape.shape)]
        let request = try Career_V1_InterviewQuestionsRequest.decode(jsonBody: body.jsonData())
        #expect(request.profile == profile)
    }

    @Test("analyze")
    func analyze() {
        var answer = Career_V1_AnalyzeApplicationResponse()
        answer.fitScore = 72
        answer.gapAnalysis = "Gaps: none"
        answer.keywordOptimization = "Use *Swift*"
        answer.impactEnhancer = "Quantify"
        answer.missingKeywords = ["Kubernetes", "gRPC"]
        answer.model = "gemini-2.5-pro"
        answer.usage = sampleUsage()
        #expect(
            text(answer.jsonBody())
                == #"{"fitScore":72,"gapAnalysis":"Gaps: none","keywordOptimization":"Use *Swift*","impactEnhancer":"Quantify","missingKeywords":["Kubernetes","gRPC"],"model":"gemini-2.5-pro","usage":\#(sampleUsageJSON)}"#
        )
    }

    @Test("career path")
    func careerPath() {
        #expect(text(sampleCareerPath().jsonBody()) == sampleCareerPathJSON)
    }

    @Test("text answers")
    func textAnswer() {
        var answer = Career_V1_TextAnswer()
        answer.text = "Overview:\nGrace"
        answer.model = "gemini-2.5-flash"
        answer.usage = sampleUsage()
        #expect(
            text(answer.jsonBody())
                == #"{"text":"Overview:\nGrace","model":"gemini-2.5-flash","usage":\#(sampleUsageJSON)}"#)
    }

    @Test("chat without an action leaves the key out")
    func chatWithoutAction() {
        var answer = Career_V1_ChatResponse()
        answer.text = "Hello"
        answer.turnState = "v1.abc"
        answer.model = "gemini-2.5-pro"
        answer.usage = sampleUsage()
        #expect(
            text(answer.jsonBody())
                == #"{"text":"Hello","turnState":"v1.abc","model":"gemini-2.5-pro","usage":\#(sampleUsageJSON)}"#)
        answer.action = Career_V1_CoachAction()  // Set but empty: still no action.
        #expect(keys(answer.jsonValue) == ["text", "turnState", "model", "usage"])
    }

    @Test("chat with each action shape")
    func chatActions() {
        var update = Career_V1_CoachAction()
        update.updateSummary.newSummary = "New"
        var generate = Career_V1_CoachAction()
        generate.navigateToResumeGenerator.jobDescription = "JD"
        var prep = Career_V1_CoachAction()
        prep.navigateToCoffeeChat.counterpartInfo = "Grace"
        prep.navigateToCoffeeChat.mode = .prep
        var reachOut = prep
        reachOut.navigateToCoffeeChat.mode = .reachOut
        var save = Career_V1_CoachAction()
        save.saveCareerPath.careerPath = sampleCareerPath()
        let expected: [(Career_V1_CoachAction, String)] = [
            (update, #"{"type":"updateProfile","payload":{"field":"summary","value":"New"}}"#),
            (generate, #"{"type":"navigate","payload":{"path":"/generate","state":{"jobDescription":"JD"}}}"#),
            (
                prep,
                #"{"type":"navigate","payload":{"path":"/coffee-chat","state":{"counterpartInfo":"Grace","mode":"prep"}}}"#
            ),
            (
                reachOut,
                #"{"type":"navigate","payload":{"path":"/coffee-chat","state":{"counterpartInfo":"Grace","mode":"reach_out"}}}"#
            ),
            (save, #"{"type":"saveCareerPath","payload":{"careerPath":\#(sampleCareerPathJSON)}}"#),
        ]
        for (action, json) in expected {
            var answer = Career_V1_ChatResponse()
            answer.text = "Done"
            answer.action = action
            answer.turnState = "s"
            answer.model = "m"
            answer.usage = sampleUsage()
            #expect(
                text(answer.jsonBody())
                    == #"{"text":"Done","action":\#(json),"turnState":"s","model":"m","usage":\#(sampleUsageJSON)}"#)
        }
    }

    @Test("document stream events")
    func documentEvents() {
        var event = Career_V1_DocumentsStreamEvent()
        #expect(event.apiStreamEvent == nil)
        event.delta.document = .resume
        event.delta.text = "**Ada**\n"
        #expect(event.apiStreamEvent == APIStreamEvent(name: "delta", data: Data(#"{"text":"**Ada**\n","document":"resume"}"#.utf8)))
        event.delta.document = .coverLetter
        #expect(text(event.apiStreamEvent!.data) == #"{"text":"**Ada**\n","document":"coverLetter"}"#)
        var done = Career_V1_GenerateDocumentsResponse()
        done.resume = "R"
        event.done = done
        #expect(event.apiStreamEvent == APIStreamEvent(name: "done", data: done.jsonBody()))
    }

    @Test("text stream events")
    func textEvents() {
        var event = Career_V1_TextStreamEvent()
        #expect(event.apiStreamEvent == nil)
        event.delta.text = "Hi"
        #expect(event.apiStreamEvent == APIStreamEvent(name: "delta", data: Data(#"{"text":"Hi"}"#.utf8)))
        var done = Career_V1_TextAnswer()
        done.text = "Hi there"
        event.done = done
        #expect(event.apiStreamEvent == APIStreamEvent(name: "done", data: done.jsonBody()))
    }

    @Test("chat stream events")
    func chatEvents() {
        var event = Career_V1_ChatStreamEvent()
        #expect(event.apiStreamEvent == nil)
        event.delta.text = "Hi"
        #expect(event.apiStreamEvent == APIStreamEvent(name: "delta", data: Data(#"{"text":"Hi"}"#.utf8)))
        event.action = Career_V1_CoachAction()
        #expect(event.apiStreamEvent == nil)
        event.action.updateSummary.newSummary = "S"
        #expect(
            event.apiStreamEvent
                == APIStreamEvent(
                    name: "action", data: Data(#"{"type":"updateProfile","payload":{"field":"summary","value":"S"}}"#.utf8)))
        var done = Career_V1_ChatResponse()
        done.text = "Bye"
        event.done = done
        #expect(event.apiStreamEvent == APIStreamEvent(name: "done", data: done.jsonBody()))
    }

    @Test("answers are valid UTF-8 JSON that Foundation reads, whatever the text holds")
    func validJSON() throws {
        var answer = Career_V1_TextAnswer()
        answer.text = "quote \" backslash \\ newline \n tab \t nul \u{0} emoji 😀 accents éü \u{2028}"
        let data = answer.jsonBody()
        #expect(String(validating: data, as: UTF8.self) != nil)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["text"] as? String == answer.text)
        #expect(Set(object.keys) == ["text", "model", "usage"])
    }
}

/// The ledger's view of an answer comes from the message, per model that spent the tokens.
@Suite struct AnswerAccountingTests {
    static func usage(_ total: Int64) -> Career_V1_Usage {
        .with { $0.promptTokens = total / 2; $0.outputTokens = total / 2; $0.totalTokens = total }
    }

    @Test func aCoachAnswerWithACareerPathCountsBothModels() {
        let path = Career_V1_CareerPathResponse.with { $0.model = "gemini-2.5-flash"; $0.usage = Self.usage(40); $0.currentRole = "A"; $0.targetRole = "B" }
        let chat = Career_V1_ChatResponse.with {
            $0.model = "gemini-2.5-pro"
            $0.usage = Self.usage(100)
            $0.action = .with { $0.saveCareerPath = .with { $0.careerPath = path } }
        }
        let accounting = chat.accounting
        #expect(accounting.model == "gemini-2.5-pro")
        #expect(accounting.usage.totalTokens == 100)  // the chat's own, as its answer says
        #expect(accounting.tokensByModel.map(\.model) == ["gemini-2.5-pro", "gemini-2.5-flash"])
        #expect(accounting.tokensByModel.map(\.usage.totalTokens) == [100, 40])
        #expect(accounting.coachCareerPath == path)
        // The same model twice is one entry.
        var samePath = path
        samePath.model = "gemini-2.5-pro"
        var same = chat
        same.action = .with { $0.saveCareerPath = .with { $0.careerPath = samePath } }
        #expect(same.accounting.tokensByModel.map(\.usage.totalTokens) == [140])
        // A stream's `done` carries the same accounting.
        let done = Career_V1_ChatStreamEvent.with { $0.done = chat }
        #expect(done.apiStreamEvent?.accounting == accounting)
    }

    @Test func resultIDsAreTheLastMemberOfTheAnswerAndOfTheCoachsCareerPath() throws {
        let id = try #require(UUID(uuidString: "6F1C2A9E-2B7D-4C1E-9A3F-0D5B8E7C4A21"))
        #expect(AnswerAccounting.adding(resultID: id, to: Data(#"{"text":"x"}"#.utf8)) == Data(#"{"text":"x","resultId":"6f1c2a9e-2b7d-4c1e-9a3f-0d5b8e7c4a21"}"#.utf8))
        #expect(AnswerAccounting.adding(resultID: id, to: Data("{}".utf8)) == Data(#"{"resultId":"6f1c2a9e-2b7d-4c1e-9a3f-0d5b8e7c4a21"}"#.utf8))
        let coach = Data(#"{"text":"ok","action":{"type":"saveCareerPath","payload":{"careerPath":{"path":[]}}},"model":"m"}"#.utf8)
        #expect(AnswerAccounting.adding(resultID: id, at: AnswerAccounting.careerPathInCoachAnswer, in: coach)
            == Data(#"{"text":"ok","action":{"type":"saveCareerPath","payload":{"careerPath":{"path":[],"resultId":"6f1c2a9e-2b7d-4c1e-9a3f-0d5b8e7c4a21"}}},"model":"m"}"#.utf8))
        #expect(AnswerAccounting.adding(resultID: id, at: AnswerAccounting.careerPathInCoachAnswer, in: Data(#"{"text":"ok"}"#.utf8)) == nil)
    }
}
