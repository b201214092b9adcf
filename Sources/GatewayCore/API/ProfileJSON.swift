import CareerProto
import GenerationTasks
import JSONText
import TaskContract

// The profile in the spec's JSON form, both ways. Reading follows ``ProfileShape``, which drops
// unknown keys at every depth (a database row's `id`, `user_id`, `created_at`, template
// choices, …): they are never sent on.

extension RequestReader {
    /// The profile at `field`, read by the one profile shape (``ProfileShape``), or nil when
    /// absent (reported if `required`) or wrong (reported).
    func profile(_ field: Field, required: Bool) -> Career_V1_Profile? {
        guard let value = ShapeReader.read(field, ProfileShape.shape, required: required, self) else { return nil }
        do {
            return try ShapeMapping.message(from: value)
        } catch {
            for violation in error.violations { self.report(field.path, violation.issue) }
            return nil
        }
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
