import CareerProto
import Foundation
import GeminiAPI
import GenerationTasks
import JSONText
import NIOCore
import RPCRuntime
import ServiceRuntime
import SwiftProtobuf
import TaskContract

/// `ParseProfile`: resume text (pasted, or extracted from a file) into the frontend's Profile,
/// on flash. Extraction needs no reasoning, so thinking is off; the output budget leaves room
/// for a long resume's JSON.
struct ParseProfileTask: Sendable {
    let runner: ModelRunner
    let systemInstruction: String
    var model = ModelName.flash
    /// Thinking tokens: 0 (copying facts out of a text needs none).
    static let thinkingBudget = 0
    /// Answer tokens: 16,384 (a profile with 100-item lists is long JSON).
    static let maxOutputTokens = 16_384

    /// The Profile as the HTTP API names it (camelCase). Every string may be empty when the
    /// resume does not say; every list may be empty.
    static let schema: JSONValue = {
        let named = Schema.array(of: Schema.object(["name": Schema.string]))
        return Schema.object([
            "fullName": Schema.string,
            "jobTitle": Schema.string,
            "email": Schema.string,
            "phone": Schema.string,
            "website": Schema.string,
            "location": Schema.string,
            "linkedin": Schema.string,
            "github": Schema.string,
            "summary": Schema.string,
            "experience": Schema.array(of: Schema.object([
                "company": Schema.string,
                "title": Schema.string,
                "location": Schema.string,
                "startDate": Schema.string,
                "endDate": Schema.string,
                "achievements": Schema.array(of: Schema.object(["text": Schema.string])),
            ])),
            "education": Schema.array(of: Schema.object([
                "institution": Schema.string,
                "degree": Schema.string,
                "fieldOfStudy": Schema.string,
                "startDate": Schema.string,
                "endDate": Schema.string,
                "gpa": Schema.string,
                "relevantCoursework": Schema.string,
                "awardsHonors": Schema.string,
            ])),
            "projects": Schema.array(of: Schema.object([
                "name": Schema.string,
                "description": Schema.string,
                "url": Schema.string,
                "technologiesUsed": Schema.string,
                "startDate": Schema.string,
                "endDate": Schema.string,
            ])),
            "technicalSkills": named,
            "softSkills": named,
            "tools": named,
            "certifications": named,
            "interests": named,
            "languages": Schema.array(of: Schema.object(["name": Schema.string, "proficiency": Schema.string])),
            "additionalInformation": Schema.string,
        ], required: ["fullName", "experience", "education", "technicalSkills"])
    }()

    func generateContentRequest(_ request: Career_V1_ParseProfileRequest) throws -> GenerateContentRequest {
        try RequestShapes.parseProfile.checkOnArrival(request)
        var data = UserData()
        data.add("resume_text", request.text)
        return .structured(
            system: self.systemInstruction, data: data, schema: Self.schema,
            temperature: 0.1, thinkingBudget: Self.thinkingBudget, maxOutputTokens: Self.maxOutputTokens
        )
    }

    func run(_ request: Career_V1_ParseProfileRequest, context: ServerCallContext) async throws -> Career_V1_ParseProfileResponse {
        let generateRequest = try self.generateContentRequest(request)
        let answer = try await self.runner.generateJSON(
            model: self.model, request: generateRequest, schema: Self.schema, deadline: callDeadline(context),
            decode: Self.profile(from:)
        )
        return .with {
            $0.profile = answer.value
            $0.model = answer.model
            $0.usage = answer.usage.proto
        }
    }

    /// The answer (already checked against ``schema``) as a Profile: the schema's names are the
    /// Profile's JSON names, so swift-protobuf reads it; keys it does not know are dropped, and
    /// surrounding whitespace is trimmed from every string.
    static func profile(from json: JSONValue) throws -> Career_V1_Profile {
        var options = JSONDecodingOptions()
        options.ignoreUnknownFields = true
        let profile = try Career_V1_Profile(jsonUTF8Data: json.jsonData(), options: options)
        return profile.trimmed()
    }
}

extension Career_V1_Profile {
    /// Strings trimmed, and list entries that hold nothing dropped.
    fileprivate func trimmed() -> Career_V1_Profile {
        func t(_ value: String) -> String { value.trimmingCharacters(in: .whitespacesAndNewlines) }
        func named(_ items: [Career_V1_NamedItem]) -> [Career_V1_NamedItem] {
            items.map { item in Career_V1_NamedItem.with { $0.name = t(item.name) } }.filter { !$0.name.isEmpty }
        }
        var profile = self
        profile.fullName = t(fullName)
        profile.jobTitle = t(jobTitle)
        profile.email = t(email)
        profile.phone = t(phone)
        profile.website = t(website)
        profile.location = t(location)
        profile.linkedin = t(linkedin)
        profile.github = t(github)
        profile.summary = t(summary)
        profile.additionalInformation = t(additionalInformation)
        profile.experience = experience.map { entry in
            var entry = entry
            entry.company = t(entry.company)
            entry.title = t(entry.title)
            entry.location = t(entry.location)
            entry.startDate = t(entry.startDate)
            entry.endDate = t(entry.endDate)
            entry.achievements = entry.achievements.map { achievement in Career_V1_Achievement.with { $0.text = t(achievement.text) } }.filter { !$0.text.isEmpty }
            return entry
        }.filter { !($0.company.isEmpty && $0.title.isEmpty) }
        profile.education = education.map { entry in
            var entry = entry
            entry.institution = t(entry.institution)
            entry.degree = t(entry.degree)
            entry.fieldOfStudy = t(entry.fieldOfStudy)
            entry.startDate = t(entry.startDate)
            entry.endDate = t(entry.endDate)
            entry.gpa = t(entry.gpa)
            entry.relevantCoursework = t(entry.relevantCoursework)
            entry.awardsHonors = t(entry.awardsHonors)
            return entry
        }.filter { !($0.institution.isEmpty && $0.degree.isEmpty) }
        profile.projects = projects.map { entry in
            var entry = entry
            entry.name = t(entry.name)
            entry.description_p = t(entry.description_p)
            entry.url = t(entry.url)
            entry.technologiesUsed = t(entry.technologiesUsed)
            entry.startDate = t(entry.startDate)
            entry.endDate = t(entry.endDate)
            return entry
        }.filter { !$0.name.isEmpty || !$0.description_p.isEmpty }
        profile.technicalSkills = named(technicalSkills)
        profile.softSkills = named(softSkills)
        profile.tools = named(tools)
        profile.certifications = named(certifications)
        profile.interests = named(interests)
        profile.languages = languages.map { language in
            Career_V1_Language.with { $0.name = t(language.name); $0.proficiency = t(language.proficiency) }
        }.filter { !$0.name.isEmpty }
        return profile
    }
}
