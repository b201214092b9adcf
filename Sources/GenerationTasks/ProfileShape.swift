import TaskContract

/// The profile the frontend stores and sends (the spec's "Profile"), as every request that
/// carries one accepts it: `fullName` required; every string at most 5,000 characters and every
/// list at most 100 items; keys it does not know (a database row's `id`, `user_id`,
/// `created_at`, template choices, …) accepted and dropped at any depth, never sent on. Each
/// member's name is its protobuf field's JSON name (`Proto/career/v1/common.proto`).
public enum ProfileShape {
    public static let shape: Shape = .named("Profile", .object(ObjectShape(
        properties: [
            .required("fullName", .shortText),
            .optional("jobTitle", .shortText),
            .optional("email", .shortText),
            .optional("phone", .shortText),
            .optional("website", .shortText),
            .optional("location", .shortText),
            .optional("linkedin", .shortText),
            .optional("github", .shortText),
            .optional("summary", .shortText),
            .optional("experience", list(experience)),
            .optional("education", list(education)),
            .optional("projects", list(project)),
            .optional("technicalSkills", list(namedItem)),
            .optional("softSkills", list(namedItem)),
            .optional("tools", list(namedItem)),
            .optional("certifications", list(namedItem)),
            .optional("interests", list(namedItem)),
            .optional("languages", list(language)),
            .optional("additionalInformation", .shortText),
            .optional("industry", .shortText),
            .optional("experienceLevel", .shortText),
            .optional("targetJobTitle", .shortText),
            .optional("companyName", .shortText),
            .optional("companyKeywords", .shortText),
            .optional("keySkillsToHighlight", .shortText),
        ],
        unknownKeys: .drop,
        description: "What the frontend stores and sends. Dates are free text as users type them (\"2021-03\", \"Present\")."
    )))

    static let experience: Shape = .named("Experience", texts(["company", "title", "location", "startDate", "endDate"], plus: [
        .optional("achievements", list(.named("Achievement", texts(["text"])))),
    ]))
    static let education: Shape = .named("Education", texts([
        "institution", "degree", "fieldOfStudy", "startDate", "endDate", "gpa", "relevantCoursework", "awardsHonors",
    ]))
    static let project: Shape = .named("Project", texts(["name", "description", "url", "technologiesUsed", "startDate", "endDate"]))
    static let namedItem: Shape = .named("NamedItem", texts(["name"]))
    static let language: Shape = .named("Language", texts(["name", "proficiency"]))

    /// A profile list: at most 100 items.
    static func list(_ item: Shape) -> Shape {
        .array(of: item, maxItems: InputLimits.maxListItems)
    }

    /// An object of optional profile strings that drops the keys it does not list.
    static func texts(_ names: [String], plus more: [Property] = []) -> Shape {
        .object(ObjectShape(properties: names.map { .optional($0, .shortText) } + more, unknownKeys: .drop))
    }
}
