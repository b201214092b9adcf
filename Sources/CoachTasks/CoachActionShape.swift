import CareerProto
import GenerationTasks
import JSONText
import TaskContract

/// The coach's actions as a chat history turn sends them back, in the spec's JSON form:
///   {"type": "updateProfile", "payload": {"field": "summary", "value": …}}
///   {"type": "navigate", "payload": {"path": "/generate", "state": {"jobDescription": …}}}
///   {"type": "navigate", "payload": {"path": "/coffee-chat", "state": {"counterpartInfo": …, "mode": "prep"|"reach_out"}}}
///   {"type": "saveCareerPath", "payload": {"careerPath": {…the career path answer…}}}
/// A union told apart by `type` and, for `navigate`, `payload.path`. Each branch is a shape
/// (read strictly at every depth, and documented as one `anyOf` branch) with its translation to
/// the message's `oneof` member; only the choice of branch is code.
public enum CoachActionShape {
    struct Branch: Sendable {
        var type: String
        var path: String?
        /// The `CoachAction` message's `oneof` member that holds this branch.
        var messageMember: String
        var shape: ObjectShape
        /// The payload's body JSON → the message member's JSON, and back.
        var toMessage: @Sendable (JSONValue) -> JSONValue
        var fromMessage: @Sendable (JSONValue) -> JSONValue
    }

    static let branches: [Branch] = [
        Branch(
            type: "updateProfile", path: nil, messageMember: "updateSummary",
            shape: action("updateProfile", payload: [
                .required("field", .choice(["summary": "summary"])),
                .required("value", .shortText),
            ]),
            toMessage: { payload in ["newSummary": member("value", of: payload) ?? ""] },
            fromMessage: { update in ["field": "summary", "value": member("newSummary", of: update) ?? ""] }
        ),
        Branch(
            type: "navigate", path: "/generate", messageMember: "navigateToResumeGenerator",
            shape: action("navigate", payload: [
                .required("path", .choice(["/generate": "/generate"])),
                .required("state", .object([.required("jobDescription", .longText)])),
            ]),
            toMessage: { payload in member("state", of: payload) ?? [:] },
            fromMessage: { navigate in ["path": "/generate", "state": navigate] }
        ),
        Branch(
            type: "navigate", path: "/coffee-chat", messageMember: "navigateToCoffeeChat",
            shape: action("navigate", payload: [
                .required("path", .choice(["/coffee-chat": "/coffee-chat"])),
                .required("state", .object([
                    .required("counterpartInfo", .longText),
                    .required("mode", .choice(["prep": "COFFEE_CHAT_MODE_PREP", "reach_out": "COFFEE_CHAT_MODE_REACH_OUT"])),
                ])),
            ]),
            toMessage: { payload in
                ShapeMapping.messageJSON(member("state", of: payload) ?? [:], stateShape(of: "/coffee-chat"))
            },
            fromMessage: { navigate in
                ["path": "/coffee-chat", "state": ShapeMapping.bodyJSON(navigate, stateShape(of: "/coffee-chat"))]
            }
        ),
        Branch(
            type: "saveCareerPath", path: nil, messageMember: "saveCareerPath",
            shape: action("saveCareerPath", payload: [.required("careerPath", careerPathInput)]),
            toMessage: { payload in
                // `resultId` names the saved copy; the message has no place for it, nor needs it.
                var careerPath = member("careerPath", of: payload) ?? [:]
                if case .object(let members) = careerPath { careerPath = .object(members.filter { $0.key != "resultId" }) }
                return ["careerPath": careerPath]
            },
            fromMessage: { save in
                ["careerPath": ShapeMapping.bodyJSON(member("careerPath", of: save) ?? [:], careerPathInput)]
            }
        ),
    ]

    /// Every branch's `type`, each once, in the branches' order.
    static let types: [String] = branches.reduce(into: []) { types, branch in
        if !types.contains(branch.type) { types.append(branch.type) }
    }

    /// `{type, payload}` with `type` fixed and the payload's members.
    private static func action(_ type: String, payload: [Property]) -> ObjectShape {
        ObjectShape(
            properties: [.required("type", .choice([type: type])), .required("payload", .object(payload))],
            unknownKeys: .reject
        )
    }

    private static func stateShape(of path: String) -> Shape {
        let branch = branches.first { $0.path == path }!
        guard case .object(let payload)? = branch.shape.properties.last?.shape,
            let state = payload.properties.first(where: { $0.name == "state" })
        else { return .object([]) }
        return state.shape
    }

    /// A career path as the API returned it (with `model`, `usage` and maybe `resultId`), read
    /// leniently: every member may be left out.
    static let careerPathInput: Shape = .named("CareerPathInput", .object(ObjectShape(
        properties: Career_V1_CareerPathResponse.answerShape.map { .optional($0.name, $0.shape.readingSentBack, $0.description) } + [
            .optional("model", .shortText),
            .optional("usage", .object(["promptTokens", "outputTokens", "thoughtsTokens", "totalTokens"].map {
                .optional($0, .integer(0...Int64.max))
            })),
            .optional("resultId", .shortText, "Accepted and not needed."),
        ],
        unknownKeys: .reject,
        description: "A career path as the API returned it (CareerPathAnswer), sent back in a coach turn's saveCareerPath action; read leniently: every member may be left out."
    )))

    /// The action as a ``Shape``: read by its branch, documented as the branches' `anyOf`.
    public static let custom = CustomShape(
        name: "CoachActionInput",
        read: { field, reader in
            guard let branch = branch(of: field, reader) else { return nil }
            guard let body = ShapeReader.read(field, .object(branch.shape), required: true, reader),
                let payload = member("payload", of: body)
            else { return nil }
            return .object([(branch.messageMember, branch.toMessage(payload))])
        },
        fromMessage: { message in
            guard case .object(let members) = message, let (key, value) = members.first.map({ ($0.key, $0.value) }),
                let branch = branches.first(where: { $0.messageMember == key })
            else { return message }
            var body: [(key: String, value: JSONValue)] = [("type", .string(branch.type))]
            body.append(("payload", branch.fromMessage(value)))
            return .object(body)
        },
        schema: { components in
            [
                "anyOf": .array(branches.map { Shape.object($0.shape).jsonSchema(nullable: false, components: &components) }),
                "description": "A CoachAction as the coach returned it, sent back on a model turn. Its branches exclude each other (by type and path).",
            ]
        }
    )

    /// The branch `field` holds, by its `type` and, for `navigate`, its `payload.path`; nil
    /// (reported) when they name none.
    private static func branch(of field: Field, _ reader: RequestReader) -> Branch? {
        guard case .object = field.value else {
            reader.report(field.path, "must be an object")
            return nil
        }
        let typeField = Field(path: field.path.key("type"), value: member("type", of: field.value))
        guard let type = reader.choice(typeField, Self.types, required: true) else { return nil }
        let candidates = branches.filter { $0.type == type }
        guard candidates.count > 1 else { return candidates.first }
        let payload = Field(path: field.path.key("payload"), value: member("payload", of: field.value))
        guard case .object? = payload.value else {
            // The branch's own reading reports the missing or wrong payload.
            return candidates.first
        }
        let pathField = Field(path: payload.path.key("path"), value: member("path", of: payload.value))
        guard let path = reader.choice(pathField, candidates.compactMap(\.path), required: true)
        else { return nil }
        return candidates.first { $0.path == path }
    }

    /// The last member named `key` (a key given twice is refused by the reading anyway), or nil
    /// when `value` is not an object, has none, or has it `null`.
    static func member(_ key: String, of value: JSONValue?) -> JSONValue? {
        guard case .object(let members)? = value, let found = members.last(where: { $0.key == key })?.value, found != .null
        else { return nil }
        return found
    }
}
