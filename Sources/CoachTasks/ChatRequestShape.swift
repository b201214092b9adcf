import CareerProto
import GenerationTasks
import TaskContract

/// `POST /api/v1/coach/chat`: the coach's request body, stated once. The gateway reads it, the
/// coach checks every message it receives by it, and the API reference documents it.
public enum ChatRequestShape {
    public static let chat = RequestShape<Career_V1_ChatRequest>(ObjectShape(
        properties: [
            .required("message", .longText),
            .optional("history", .array(of: turn, maxItems: InputLimits.maxHistoryTurns), "Oldest first, at most 50 turns before the new message."),
            .required("profile", ProfileShape.shape),
            .optional("documentHistory", .array(of: documentRecord, maxItems: InputLimits.maxDocumentHistory), "At most 5 recent documents."),
        ],
        unknownKeys: .reject
    ))

    /// One earlier turn. `action` and a non-empty `turnState` belong to model turns.
    static let turn: Shape = .named("ChatTurn", .object(ObjectShape(
        properties: [
            .required("role", .choice(["user": "CHAT_ROLE_USER", "model": "CHAT_ROLE_MODEL"])),
            .required(
                "text", .string(maxLength: InputLimits.maxLongTextLength, blankAllowed: true),
                "May be empty on a model turn that only carried an action."
            ),
            .optional("action", .custom(CoachActionShape.custom), "The action the coach returned with this model turn."),
            .optional(
                "turnState", .string(maxLength: InputLimits.maxTurnStateLength),
                "The opaque turnState the coach returned with this model turn; send it back unchanged."
            ),
        ],
        unknownKeys: .reject,
        rules: [.onlyWhen(member: "role", is: "model", members: ["action", "turnState"], issue: "is only allowed on model turns")]
    )))

    /// A document the user made recently.
    static let documentRecord: Shape = .named("DocumentRecord", .object(ObjectShape(
        properties: ["jobTitle", "companyName", "createdAt"].map { .optional($0, .shortText) },
        unknownKeys: .reject,
        description: "A document the user made recently."
    )))
}
