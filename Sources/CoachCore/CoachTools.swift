import GeminiAPI
import JSONText
import ServiceRuntime
import TaskContract

/// The tools the coach declares to Gemini, and the check every function call passes before it
/// may become an action. The model's output is untrusted: only these four names, with
/// arguments that fit their schema, ever leave the service.
enum CoachTool: String, CaseIterable, Sendable {
    case updateProfessionalSummary
    case navigateToResumeGenerator
    case navigateToCoffeeChat
    case generateAndSaveCareerPath

    /// A professional summary, a role: 5,000 characters, the limit of a profile string.
    static let shortTextLimit = 5_000
    /// A job description, what the user said about a counterpart: 20,000 characters.
    static let longTextLimit = 20_000

    /// The declarations sent with every chat request, in the API's OpenAPI subset.
    static let declarations: [Tool] = [Tool(functionDeclarations: allCases.map(\.declaration))]

    var declaration: FunctionDeclaration {
        FunctionDeclaration(name: rawValue, description: self.summary, parameters: self.parameters)
    }

    /// When the model should call the tool: the model reads this to decide.
    private var summary: String {
        switch self {
        case .updateProfessionalSummary:
            return "Proposes a new professional summary for the user's profile; the app shows it to the user, who applies it. "
                + "Call it when the user asks you to write, rewrite or improve their summary, or accepts your offer to. "
                + "Also answer in text, saying what you changed."
        case .navigateToResumeGenerator:
            return "Opens the resume and cover letter generator with a job description filled in. "
                + "Call it only once the user has given you the full text of a specific job posting; if they only named a role "
                + "or a company, ask them to paste the whole job description first and do not call this yet."
        case .navigateToCoffeeChat:
            return "Opens the coffee-chat helper for a person the user wants to meet: mode \"prep\" prepares a networking "
                + "conversation or informational interview, mode \"reach_out\" drafts a message reaching out to them."
        case .generateAndSaveCareerPath:
            return "Plans a step-by-step career path from the user's current role to a target role and saves it to their account. "
                + "Call it when the user wants a plan to reach a role; ask for the target role first if it is unclear."
        }
    }

    private var parameters: JSONValue {
        switch self {
        case .updateProfessionalSummary:
            return Self.object(["newSummary": Self.string("The complete new summary, 2 to 4 sentences, grounded in the profile.")])
        case .navigateToResumeGenerator:
            return Self.object(["jobDescription": Self.string("The full job description exactly as the user gave it.")])
        case .navigateToCoffeeChat:
            return Self.object([
                "counterpartInfo": Self.string("What the user told you about the person: name, role, company, shared background."),
                "mode": [
                    "type": "STRING",
                    "description": "\"prep\" to prepare the conversation, \"reach_out\" to draft an outreach message.",
                    "enum": ["prep", "reach_out"],
                ],
            ])
        case .generateAndSaveCareerPath:
            return Self.object([
                "currentRole": Self.string("The user's current role, from the profile unless they said otherwise."),
                "targetRole": Self.string("The role the user wants to reach."),
            ])
        }
    }

    private static func string(_ description: String) -> JSONValue {
        ["type": "STRING", "description": .string(description)]
    }

    /// An object whose properties are all required, in the given order.
    private static func object(_ properties: KeyValuePairs<String, JSONValue>) -> JSONValue {
        let names = properties.map { JSONValue.string($0.key) }
        return [
            "type": "OBJECT",
            "properties": .object(properties.map { (key: $0.key, value: $0.value) }),
            "required": .array(names),
            "propertyOrdering": .array(names),
        ]
    }
}

/// A function call that passed its checks: a known tool with arguments that fit its schema.
enum CoachToolCall: Sendable, Equatable {
    case updateProfessionalSummary(newSummary: String)
    case navigateToResumeGenerator(jobDescription: String)
    case navigateToCoffeeChat(counterpartInfo: String, mode: CoffeeChatMode)
    case generateAndSaveCareerPath(currentRole: String, targetRole: String)

    enum CoffeeChatMode: String, Sendable {
        case prep
        case reachOut = "reach_out"
    }

    /// Why a call was dropped; safe to log (names schema fields, never the model's values).
    struct Rejection: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    /// Checks `call` against the tool it names. Arguments beyond the schema are ignored; they
    /// never reach the action.
    init(_ call: FunctionCall) throws(Rejection) {
        guard let tool = CoachTool(rawValue: call.name) else {
            throw Rejection(description: "unknown tool")
        }
        let arguments = call.args ?? [:]
        if let violation = JSONSchemaValidator.gemini.firstViolation(of: arguments, against: tool.declaration.parameters ?? [:], at: "args") {
            throw Rejection(description: violation)
        }
        /// The argument exactly as the model wrote it (the frontend gets it unchanged); one that
        /// is only whitespace counts as empty.
        func text(_ name: String, limit: Int) throws(Rejection) -> String {
            let value = arguments[name]?.stringValue ?? ""
            if value.isBlank { throw Rejection(description: "args.\(name) is empty") }
            if value.count > limit { throw Rejection(description: "args.\(name) is longer than \(limit) characters") }
            return value
        }
        switch tool {
        case .updateProfessionalSummary:
            self = .updateProfessionalSummary(newSummary: try text("newSummary", limit: CoachTool.shortTextLimit))
        case .navigateToResumeGenerator:
            self = .navigateToResumeGenerator(jobDescription: try text("jobDescription", limit: CoachTool.longTextLimit))
        case .navigateToCoffeeChat:
            // The schema check already held `mode` to the enum.
            let mode = CoffeeChatMode(rawValue: arguments["mode"]?.stringValue ?? "") ?? .prep
            self = .navigateToCoffeeChat(counterpartInfo: try text("counterpartInfo", limit: CoachTool.longTextLimit), mode: mode)
        case .generateAndSaveCareerPath:
            self = .generateAndSaveCareerPath(
                currentRole: try text("currentRole", limit: CoachTool.shortTextLimit),
                targetRole: try text("targetRole", limit: CoachTool.shortTextLimit)
            )
        }
    }
}
