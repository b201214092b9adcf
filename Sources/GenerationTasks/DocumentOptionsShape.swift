import JSONText
import TaskContract

/// The documents' `options` as the API states them: `{jobDescription, generateResume=true,
/// generateCoverLetter=true (not both false), resumeLength?, coverLetterLength?,
/// includeSummary=true, tone?, technicality? (0–100), thinkingMode=false, uploadedResume?,
/// uploadedCoverLetter?}`.
///
/// The message says two of them differently, so that its zero values are the API's defaults:
/// the two booleans are one `documents` selection (`BOTH` = 0), and `includeSummary` is
/// `excludeSummary`. The translation is declared here, with the shape.
enum DocumentOptionsShape {
    static let shape: Shape = .named("DocumentOptions", .translated(Translation(
        .object(ObjectShape(
            properties: [
                .required("jobDescription", .longText),
                .optional("generateResume", .boolean, default: true),
                .optional("generateCoverLetter", .boolean, default: true),
                .optional("resumeLength", option, "Free text, e.g. \"1 page max\"."),
                .optional("coverLetterLength", option),
                .optional("includeSummary", .boolean, default: true),
                .optional("tone", option, "Free text, e.g. \"confident\"."),
                .optional("technicality", .integer(0...100)),
                .optional("thinkingMode", .boolean, "Use gemini-2.5-pro.", default: false),
                .optional("uploadedResume", .longText, "A style example only."),
                .optional("uploadedCoverLetter", .longText, "A style example only."),
            ],
            unknownKeys: .reject,
            description: "`null` means the default.",
            rules: [.notAllFalse(
                ["generateResume", "generateCoverLetter"],
                issue: "must ask for at least one document: generateResume and generateCoverLetter are both false"
            )]
        )),
        toMessage: toMessage,
        fromMessage: fromMessage
    )))

    /// A length or tone: free text up to 100 characters.
    static let option = Shape.string(maxLength: InputLimits.maxOptionTextLength)

    static let selections = [
        (resume: true, coverLetter: true, name: "DOCUMENT_SELECTION_BOTH"),
        (resume: true, coverLetter: false, name: "DOCUMENT_SELECTION_RESUME_ONLY"),
        (resume: false, coverLetter: true, name: "DOCUMENT_SELECTION_COVER_LETTER_ONLY"),
    ]

    @Sendable static func toMessage(_ options: JSONValue) -> JSONValue {
        guard case .object(let members) = options else { return options }
        func flag(_ key: String) -> Bool {
            members.last { $0.key == key }?.value != .bool(false)
        }
        var message = members.filter { !["generateResume", "generateCoverLetter", "includeSummary"].contains($0.key) }
        let selection = selections.first { $0.resume == flag("generateResume") && $0.coverLetter == flag("generateCoverLetter") }
        // Neither document is refused by the shape's rule before this runs.
        message.append(("documents", .string(selection?.name ?? "DOCUMENT_SELECTION_BOTH")))
        if !flag("includeSummary") { message.append(("excludeSummary", true)) }
        return .object(message)
    }

    @Sendable static func fromMessage(_ options: JSONValue) -> JSONValue {
        guard case .object(let members) = options else { return options }
        var body = members.filter { !["documents", "excludeSummary"].contains($0.key) }
        if let documents = members.last(where: { $0.key == "documents" })?.value {
            // An enum value this build does not know asks for neither, which the rule refuses.
            let selection = selections.first { .string($0.name) == documents } ?? (false, false, "")
            body.append(("generateResume", .bool(selection.resume)))
            body.append(("generateCoverLetter", .bool(selection.coverLetter)))
        }
        if members.contains(where: { $0.key == "excludeSummary" && $0.value == .bool(true) }) {
            body.append(("includeSummary", false))
        }
        return .object(body)
    }
}
