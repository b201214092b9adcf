import CareerProto
import JSONText

// The profile in the spec's JSON form, both ways. Reading drops unknown keys at every depth
// (a database row's `id`, `user_id`, `created_at`, template choices, …): they are never sent on.

extension RequestReader {
    /// The profile at `field`, or nil when absent (reported if `required`) or not an object.
    /// `fullName` is required; every string holds at most 5,000 characters and every list at
    /// most 100 items.
    func profile(_ field: Field, required: Bool) -> Career_V1_Profile? {
        guard
            let object = object(
                field,
                keys: [
                    "fullName", "jobTitle", "email", "phone", "website", "location", "linkedin", "github",
                    "summary", "experience", "education", "projects", "technicalSkills", "softSkills", "tools",
                    "certifications", "interests", "languages", "additionalInformation", "industry",
                    "experienceLevel", "targetJobTitle", "companyName", "companyKeywords", "keySkillsToHighlight",
                ],
                unknownKeys: .drop,
                required: required
            )
        else { return nil }
        var profile = Career_V1_Profile()
        profile.fullName = string(object["fullName"], maxLength: APILimits.maxProfileStringLength, required: true)
        profile.jobTitle = profileString(object["jobTitle"])
        profile.email = profileString(object["email"])
        profile.phone = profileString(object["phone"])
        profile.website = profileString(object["website"])
        profile.location = profileString(object["location"])
        profile.linkedin = profileString(object["linkedin"])
        profile.github = profileString(object["github"])
        profile.summary = profileString(object["summary"])
        profile.experience = list(object["experience"]) { experience($0) }
        profile.education = list(object["education"]) { education($0) }
        profile.projects = list(object["projects"]) { project($0) }
        profile.technicalSkills = list(object["technicalSkills"]) { namedItem($0) }
        profile.softSkills = list(object["softSkills"]) { namedItem($0) }
        profile.tools = list(object["tools"]) { namedItem($0) }
        profile.certifications = list(object["certifications"]) { namedItem($0) }
        profile.interests = list(object["interests"]) { namedItem($0) }
        profile.languages = list(object["languages"]) { language($0) }
        profile.additionalInformation = profileString(object["additionalInformation"])
        profile.industry = profileString(object["industry"])
        profile.experienceLevel = profileString(object["experienceLevel"])
        profile.targetJobTitle = profileString(object["targetJobTitle"])
        profile.companyName = profileString(object["companyName"])
        profile.companyKeywords = profileString(object["companyKeywords"])
        profile.keySkillsToHighlight = profileString(object["keySkillsToHighlight"])
        return profile
    }

    private func profileString(_ field: Field) -> String {
        string(field, maxLength: APILimits.maxProfileStringLength)
    }

    private func experience(_ field: Field) -> Career_V1_Experience? {
        let keys = ["company", "title", "location", "startDate", "endDate", "achievements"]
        guard let object = object(field, keys: keys, unknownKeys: .drop) else { return nil }
        var experience = Career_V1_Experience()
        experience.company = profileString(object["company"])
        experience.title = profileString(object["title"])
        experience.location = profileString(object["location"])
        experience.startDate = profileString(object["startDate"])
        experience.endDate = profileString(object["endDate"])
        experience.achievements = list(object["achievements"]) { field in
            guard let object = self.object(field, keys: ["text"], unknownKeys: .drop) else { return nil }
            var achievement = Career_V1_Achievement()
            achievement.text = profileString(object["text"])
            return achievement
        }
        return experience
    }

    private func education(_ field: Field) -> Career_V1_Education? {
        let keys = [
            "institution", "degree", "fieldOfStudy", "startDate", "endDate", "gpa", "relevantCoursework",
            "awardsHonors",
        ]
        guard let object = object(field, keys: keys, unknownKeys: .drop) else { return nil }
        var education = Career_V1_Education()
        education.institution = profileString(object["institution"])
        education.degree = profileString(object["degree"])
        education.fieldOfStudy = profileString(object["fieldOfStudy"])
        education.startDate = profileString(object["startDate"])
        education.endDate = profileString(object["endDate"])
        education.gpa = profileString(object["gpa"])
        education.relevantCoursework = profileString(object["relevantCoursework"])
        education.awardsHonors = profileString(object["awardsHonors"])
        return education
    }

    private func project(_ field: Field) -> Career_V1_Project? {
        let keys = ["name", "description", "url", "technologiesUsed", "startDate", "endDate"]
        guard let object = object(field, keys: keys, unknownKeys: .drop) else { return nil }
        var project = Career_V1_Project()
        project.name = profileString(object["name"])
        project.description_p = profileString(object["description"])
        project.url = profileString(object["url"])
        project.technologiesUsed = profileString(object["technologiesUsed"])
        project.startDate = profileString(object["startDate"])
        project.endDate = profileString(object["endDate"])
        return project
    }

    private func namedItem(_ field: Field) -> Career_V1_NamedItem? {
        guard let object = object(field, keys: ["name"], unknownKeys: .drop) else { return nil }
        var item = Career_V1_NamedItem()
        item.name = profileString(object["name"])
        return item
    }

    private func language(_ field: Field) -> Career_V1_Language? {
        guard let object = object(field, keys: ["name", "proficiency"], unknownKeys: .drop) else { return nil }
        var language = Career_V1_Language()
        language.name = profileString(object["name"])
        language.proficiency = profileString(object["proficiency"])
        return language
    }
}

extension Career_V1_Profile {
    /// Every field of the spec's Profile, in the spec's order; empty strings and lists included,
    /// so the frontend can rely on each key being there.
    public var jsonValue: JSONValue {
        [
            "fullName": .string(fullName),
            "jobTitle": .string(jobTitle),
            "email": .string(email),
            "phone": .string(phone),
            "website": .string(website),
            "location": .string(location),
            "linkedin": .string(linkedin),
            "github": .string(github),
            "summary": .string(summary),
            "experience": .array(experience.map(\.jsonValue)),
            "education": .array(education.map(\.jsonValue)),
            "projects": .array(projects.map(\.jsonValue)),
            "technicalSkills": .array(technicalSkills.map(\.jsonValue)),
            "softSkills": .array(softSkills.map(\.jsonValue)),
            "tools": .array(tools.map(\.jsonValue)),
            "certifications": .array(certifications.map(\.jsonValue)),
            "interests": .array(interests.map(\.jsonValue)),
            "languages": .array(languages.map(\.jsonValue)),
            "additionalInformation": .string(additionalInformation),
            "industry": .string(industry),
            "experienceLevel": .string(experienceLevel),
            "targetJobTitle": .string(targetJobTitle),
            "companyName": .string(companyName),
            "companyKeywords": .string(companyKeywords),
            "keySkillsToHighlight": .string(keySkillsToHighlight),
        ]
    }
}

extension Career_V1_Experience {
    var jsonValue: JSONValue {
        [
            "company": .string(company),
            "title": .string(title),
            "location": .string(location),
            "startDate": .string(startDate),
            "endDate": .string(endDate),
            "achievements": .array(achievements.map { ["text": .string($0.text)] }),
        ]
    }
}

extension Career_V1_Education {
    var jsonValue: JSONValue {
        [
            "institution": .string(institution),
            "degree": .string(degree),
            "fieldOfStudy": .string(fieldOfStudy),
            "startDate": .string(startDate),
            "endDate": .string(endDate),
            "gpa": .string(gpa),
            "relevantCoursework": .string(relevantCoursework),
            "awardsHonors": .string(awardsHonors),
        ]
    }
}

extension Career_V1_Project {
    var jsonValue: JSONValue {
        [
            "name": .string(name),
            "description": .string(description_p),
            "url": .string(url),
            "technologiesUsed": .string(technologiesUsed),
            "startDate": .string(startDate),
            "endDate": .string(endDate),
        ]
    }
}

extension Career_V1_NamedItem {
    var jsonValue: JSONValue { ["name": .string(name)] }
}

extension Career_V1_Language {
    var jsonValue: JSONValue { ["name": .string(name), "proficiency": .string(proficiency)] }
}
