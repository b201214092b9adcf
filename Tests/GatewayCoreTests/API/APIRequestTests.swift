import CareerProto
import Foundation
import GatewayCore
import JSONText
import Testing

/// A profile with every field, and unknown keys (a database row's) at every depth.
let fullProfileJSON = """
    {
      "id": 7, "user_id": "u-1", "created_at": "2024-01-01", "template": {"name": "modern", "colors": [1, 2]},
      "fullName": "Ada Lovelace", "jobTitle": "Engineer", "email": "ada@example.com", "phone": "+44 1",
      "website": "https://ada.dev", "location": "London", "linkedin": "in/ada", "github": "ada",
      "summary": "Analytical.",
      "experience": [{"id": 1, "company": "Babbage & Co", "title": "Programmer", "location": "London",
        "startDate": "1842-01", "endDate": "Present",
        "achievements": [{"id": "a1", "text": "Wrote the first program"}]}],
      "education": [{"institution": "Home", "degree": "None", "fieldOfStudy": "Mathematics", "startDate": "1830",
        "endDate": "1835", "gpa": "4.0", "relevantCoursework": "Calculus", "awardsHonors": "Countess",
        "sortOrder": 3}],
      "projects": [{"name": "Notes", "description": "Note G", "url": "https://example.com/g",
        "technologiesUsed": "Analytical Engine", "startDate": "1842", "endDate": "1843", "extra": null}],
      "technicalSkills": [{"name": "Mathematics", "level": 5}], "softSkills": [{"name": "Writing"}],
      "tools": [{"name": "Engine"}], "certifications": [{"name": "None"}], "interests": [{"name": "Poetry"}],
      "languages": [{"name": "English", "proficiency": "Native", "id": 9}],
      "additionalInformation": "More", "industry": "Computing", "experienceLevel": "Senior",
      "targetJobTitle": "Lead", "companyName": "Analytical", "companyKeywords": "engines",
      "keySkillsToHighlight": "algorithms"
    }
    """

func expectedFullProfile() -> Career_V1_Profile {
    var profile = Career_V1_Profile()
    profile.fullName = "Ada Lovelace"
    profile.jobTitle = "Engineer"
    profile.email = "ada@example.com"
    profile.phone = "+44 1"
    profile.website = "https://ada.dev"
    profile.location = "London"
    profile.linkedin = "in/ada"
    profile.github = "ada"
    profile.summary = "Analytical."
    var experience = Career_V1_Experience()
    experience.company = "Babbage & Co"
    experience.title = "Programmer"
    experience.location = "London"
    experience.startDate = "1842-01"
    experience.endDate = "Present"
    var achievement = Career_V1_Achievement()
    achievement.text = "Wrote the first program"
    experience.achievements = [achievement]
    profile.experience = [experience]
    var education = Career_V1_Education()
    education.institution = "Home"
    education.degree = "None"
    education.fieldOfStudy = "Mathematics"
    education.startDate = "1830"
    education.endDate = "1835"
    education.gpa = "4.0"
    education.relevantCoursework = "Calculus"
    education.awardsHonors = "Countess"
    profile.education = [education]
    var project = Career_V1_Project()
    project.name = "Notes"
    project.description_p = "Note G"
    project.url = "https://example.com/g"
    project.technologiesUsed = "Analytical Engine"
    project.startDate = "1842"
    project.endDate = "1843"
    profile.projects = [project]
    func named(_ name: String) -> Career_V1_NamedItem {
        var item = Career_V1_NamedItem()
        item.name = name
        return item
    }
    profile.technicalSkills = [named("Mathematics")]
    profile.softSkills = [named("Writing")]
    profile.tools = [named("Engine")]
    profile.certifications = [named("None")]
    profile.interests = [named("Poetry")]
    var language = Career_V1_Language()
    language.name = "English"
    language.proficiency = "Native"
    profile.languages = [language]
    profile.additionalInformation = "More"
    profile.industry = "Computing"
    profile.experienceLevel = "Senior"
    profile.targetJobTitle = "Lead"
    profile.companyName = "Analytical"
    profile.companyKeywords = "engines"
    profile.keySkillsToHighlight = "algorithms"
    return profile
}

func minimalProfile(_ name: String = "Ada") -> Career_V1_Profile {
    var profile = Career_V1_Profile()
    profile.fullName = name
    return profile
}

@Suite("Valid requests map to their messages")
struct APIRequestTests {
    @Test("documents: every option, defaults inverted and chosen as the proto says")
    func documentsAllOptions() throws {
        let request = try decode(
            Career_V1_GenerateDocumentsRequest.self,
            """
            {"profile": \(fullProfileJSON), "options": {"jobDescription": "Build engines", "generateResume": true,
             "generateCoverLetter": false, "resumeLength": "1 page max", "coverLetterLength": "short",
             "includeSummary": false, "tone": "confident", "technicality": 70, "thinkingMode": true,
             "uploadedResume": "old resume", "uploadedCoverLetter": "old letter"}}
            """)
        var expected = Career_V1_GenerateDocumentsRequest()
        expected.profile = expectedFullProfile()
        expected.options.jobDescription = "Build engines"
        expected.options.documents = .resumeOnly
        expected.options.resumeLength = "1 page max"
        expected.options.coverLetterLength = "short"
        expected.options.excludeSummary = true
        expected.options.tone = "confident"
        expected.options.technicality = 70
        expected.options.thinkingMode = true
        expected.options.uploadedResume = "old resume"
        expected.options.uploadedCoverLetter = "old letter"
        #expect(request == expected)
    }

    @Test("documents: defaults, and null means absent")
    func documentsDefaults() throws {
        let request = try decode(
            Career_V1_GenerateDocumentsRequest.self,
            #"""
            {"profile": {"fullName": "Ada", "summary": null, "experience": null},
             "options": {"jobDescription": "JD", "tone": null, "technicality": null, "includeSummary": null}}
            """#)
        var expected = Career_V1_GenerateDocumentsRequest()
        expected.profile = minimalProfile()
        expected.options.jobDescription = "JD"
        #expect(request == expected)
        #expect(request.options.documents == .both)
        #expect(!request.options.excludeSummary)
        #expect(request.options.technicalityChoice == nil)
    }

    @Test(
        "documents: the two switches choose the selection",
        arguments: [
            (true, true, Career_V1_DocumentSelection.both), (true, false, .resumeOnly), (false, true, .coverLetterOnly),
        ])
    func documentsSelection(resume: Bool, coverLetter: Bool, selection: Career_V1_DocumentSelection) throws {
        let request = try decode(
            Career_V1_GenerateDocumentsRequest.self,
            #"{"profile": {"fullName": "A"}, "options": {"jobDescription": "JD", "generateResume": \#(resume), "generateCoverLetter": \#(coverLetter)}}"#
        )
        #expect(request.options.documents == selection)
    }

    @Test("documents: technicality at both ends, and integral numbers written with a fraction")
    func technicalityBounds() throws {
        for (literal, value) in [("0", 0), ("100", 100), ("50.0", 50), ("5e1", 50), ("-0", 0)] as [(String, Int32)] {
            let request = try decode(
                Career_V1_GenerateDocumentsRequest.self,
                #"{"profile": {"fullName": "A"}, "options": {"jobDescription": "JD", "technicality": \#(literal)}}"#)
            #expect(request.options.technicalityChoice == .technicality(value))
        }
    }

    @Test("parse")
    func parse() throws {
        let request = try decode(Career_V1_ParseProfileRequest.self, #"{"text": "Ada Lovelace\nEngineer"}"#)
        #expect(request.text == "Ada Lovelace\nEngineer")
    }

    @Test("analyze with a profile")
    func analyzeWithProfile() throws {
        let request = try decode(
            Career_V1_AnalyzeApplicationRequest.self, #"{"jobDescription": "JD", "profile": \#(fullProfileJSON)}"#)
        #expect(request.jobDescription == "JD")
        #expect(request.candidate == .profile(expectedFullProfile()))
    }

    @Test("analyze with resume text, a null profile meaning absent")
    func analyzeWithResumeText() throws {
        let request = try decode(
            Career_V1_AnalyzeApplicationRequest.self,
            #"{"jobDescription": "JD", "resumeText": "my resume", "profile": null}"#)
        #expect(request.candidate == .resumeText("my resume"))
    }

    @Test("career path")
    func careerPath() throws {
        let request = try decode(
            Career_V1_CareerPathRequest.self,
            #"{"profile": {"fullName": "Ada"}, "currentRole": "Engineer", "targetRole": "CTO"}"#)
        var expected = Career_V1_CareerPathRequest()
        expected.profile = minimalProfile()
        expected.currentRole = "Engineer"
        expected.targetRole = "CTO"
        #expect(request == expected)
    }

    @Test("networking brief and reach-out")
    func networking() throws {
        let request = try decode(
            Career_V1_NetworkingRequest.self, #"{"profile": {"fullName": "Ada"}, "counterpartInfo": "Grace, Navy"}"#)
        var expected = Career_V1_NetworkingRequest()
        expected.profile = minimalProfile()
        expected.counterpartInfo = "Grace, Navy"
        #expect(request == expected)
    }

    @Test("interview questions, with and without a profile")
    func interviewQuestions() throws {
        let without = try decode(Career_V1_InterviewQuestionsRequest.self, #"{"jobDescription": "JD"}"#)
        #expect(without.jobDescription == "JD")
        #expect(!without.hasProfile)
        let with = try decode(
            Career_V1_InterviewQuestionsRequest.self, #"{"jobDescription": "JD", "profile": {"fullName": "Ada"}}"#)
        #expect(with.profile == minimalProfile())
    }

    @Test("coach chat with every action shape, turn states and document history")
    func chat() throws {
        let request = try decode(
            Career_V1_ChatRequest.self,
            #"""
            {"message": "What next?", "profile": {"fullName": "Ada", "id": 3},
             "history": [
               {"role": "user", "text": "Hi"},
               {"role": "model", "text": "Updated.", "turnState": "sig.abc",
                "action": {"type": "updateProfile", "payload": {"field": "summary", "value": "New summary"}}},
               {"role": "model", "text": "Go.", "action": {"type": "navigate",
                "payload": {"path": "/generate", "state": {"jobDescription": "JD"}}}},
               {"role": "model", "text": "Chat.", "action": {"type": "navigate",
                "payload": {"path": "/coffee-chat", "state": {"counterpartInfo": "Grace", "mode": "reach_out"}}}},
               {"role": "model", "text": "", "action": {"type": "saveCareerPath", "payload": {"careerPath":
                 {"currentRole": "Engineer", "targetRole": "CTO", "path": [{"timeframe": "1 year",
                  "milestoneTitle": "Lead", "milestoneDescription": "Lead a team",
                  "actionItems": [{"category": "Skill", "title": "Mentor", "description": "Mentor two"}]}],
                  "model": "gemini-2.5-pro",
                  "usage": {"promptTokens": 1, "outputTokens": 2, "thoughtsTokens": 3, "totalTokens": 6}}}},
                "turnState": null},
               {"role": "user", "text": "Thanks", "action": null, "turnState": ""}
             ],
             "documentHistory": [{"jobTitle": "Engineer", "companyName": "Babbage", "createdAt": "2024-05-01"}]}
            """#)
        #expect(request.message == "What next?")
        #expect(request.profile == minimalProfile())
        #expect(request.history.map(\.role) == [.user, .model, .model, .model, .model, .user])
        #expect(request.history.map(\.text) == ["Hi", "Updated.", "Go.", "Chat.", "", "Thanks"])
        #expect(request.history[1].turnState == "sig.abc")
        #expect(!request.history[0].hasAction && !request.history[5].hasAction)
        #expect(request.history[1].action.updateSummary.newSummary == "New summary")
        #expect(request.history[2].action.navigateToResumeGenerator.jobDescription == "JD")
        #expect(request.history[3].action.navigateToCoffeeChat.counterpartInfo == "Grace")
        #expect(request.history[3].action.navigateToCoffeeChat.mode == .reachOut)
        var careerPath = Career_V1_CareerPathResponse()
        careerPath.currentRole = "Engineer"
        careerPath.targetRole = "CTO"
        var milestone = Career_V1_CareerMilestone()
        milestone.timeframe = "1 year"
        milestone.milestoneTitle = "Lead"
        milestone.milestoneDescription = "Lead a team"
        var item = Career_V1_CareerActionItem()
        item.category = "Skill"
        item.title = "Mentor"
        item.description_p = "Mentor two"
        milestone.actionItems = [item]
        careerPath.path = [milestone]
        careerPath.model = "gemini-2.5-pro"
        careerPath.usage.promptTokens = 1
        careerPath.usage.outputTokens = 2
        careerPath.usage.thoughtsTokens = 3
        careerPath.usage.totalTokens = 6
        #expect(request.history[4].action.saveCareerPath.careerPath == careerPath)
        var record = Career_V1_DocumentRecord()
        record.jobTitle = "Engineer"
        record.companyName = "Babbage"
        record.createdAt = "2024-05-01"
        #expect(request.documentHistory == [record])
    }

    @Test("coach chat: history and document history are optional")
    func chatMinimal() throws {
        let request = try decode(Career_V1_ChatRequest.self, #"{"message": "Hi", "profile": {"fullName": "Ada"}}"#)
        #expect(request.history.isEmpty && request.documentHistory.isEmpty)
    }

    @Test("every action decodes back from the JSON the chat answer writes")
    func actionRoundTrip() throws {
        var actions: [Career_V1_CoachAction] = []
        var action = Career_V1_CoachAction()
        action.updateSummary.newSummary = "S"
        actions.append(action)
        action.navigateToResumeGenerator.jobDescription = "JD"
        actions.append(action)
        action.navigateToCoffeeChat.counterpartInfo = "Grace"
        action.navigateToCoffeeChat.mode = .prep
        actions.append(action)
        action.saveCareerPath.careerPath = sampleCareerPath()
        actions.append(action)
        for action in actions {
            var answer = Career_V1_ChatResponse()
            answer.text = "t"
            answer.action = action
            let written = try #require(member(answer.jsonValue, "action"))
            let body: JSONValue = [
                "message": "m", "profile": ["fullName": "A"],
                "history": [["role": "model", "text": "t", "action": written]],
            ]
            let request = try Career_V1_ChatRequest.decode(jsonBody: body.jsonData())
            #expect(request.history[0].action == action)
        }
    }

    @Test("strings keep their text exactly: whitespace, escapes, emoji")
    func stringsVerbatim() throws {
        let request = try decode(Career_V1_ParseProfileRequest.self, #"{"text": "  a\tb\u00e9 😀\r\n "}"#)
        #expect(request.text == "  a\tbé 😀\r\n ")
    }
}
