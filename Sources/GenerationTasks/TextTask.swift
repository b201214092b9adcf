import CareerProto
import RPCRuntime
import SwiftProtobuf
import TaskContract

/// A generation task whose answer is Markdown text (`{text, model, usage}`), unary or streamed:
/// everything about it, in one value. The gateway derives its route, request validation,
/// protobuf mapping, rate-limit tier, ledger name, saved kind and OpenAPI entry from it; the
/// generation service derives its RPC methods, model setting, prompt and Gemini request from it.
/// A new task of this kind is its request message and `rpc` lines in `generation.proto`, one definition in
/// `Tasks/`, and one line in ``GenerationTaskRegistry``.
public struct TextTask<Request: SwiftProtobuf.Message & Sendable>: TextTaskDefinition {
    /// The task's name, in camelCase: the ledger's `task`, the saved results' `kind` (when
    /// saved), the OpenAPI `operationId`, and, in SCREAMING_SNAKE_CASE, its `MODEL_<NAME>` setting.
    public var name: String
    /// The route under `/api/v1` (`interview/thank-you`); always a `POST`.
    public var path: String
    /// The RPC method's name in `career.v1.GenerationService`; the streamed one is `Stream<name>`.
    public var rpcName: String
    /// One line for the API reference.
    public var summary: String
    /// What the answer's `text` holds, for the API reference.
    public var answerDescription: String
    public var tier: ModelTier
    /// Whether each answer is saved to the user's history, as `kind` = ``name``.
    public var saved: Bool
    /// The request body; its members are the request message's JSON field names.
    public var request: ObjectShape
    /// The system instruction: our instructions only, never the user's content.
    public var systemInstruction: String
    public var generation: GenerationSettings
    /// The user turn's data blocks, from a checked request.
    public var userData: @Sendable (Request) -> [DataBlock]
    /// What a saved answer's title is made of.
    public var title: @Sendable (Request) -> TitleHint

    public init(
        name: String, path: String, rpcName: String, summary: String, answerDescription: String,
        tier: ModelTier, saved: Bool, request: ObjectShape, systemInstruction: String, generation: GenerationSettings,
        userData: @escaping @Sendable (Request) -> [DataBlock], title: @escaping @Sendable (Request) -> TitleHint
    ) {
        self.name = name
        self.path = path
        self.rpcName = rpcName
        self.summary = summary
        self.answerDescription = answerDescription
        self.tier = tier
        self.saved = saved
        self.request = request
        self.systemInstruction = systemInstruction
        self.generation = generation
        self.userData = userData
        self.title = title
    }

    public var task: TextTask<Request> { self }

    /// The request shape, typed by its message: what the service checks requests with.
    public var requestShape: RequestShape<Request> { RequestShape(self.request) }

    public var method: RPCMethod<Request, Career_V1_TextAnswer> {
        RPCMethod(service: GenerationTaskRegistry.serviceName, name: self.rpcName, kind: .unary)
    }

    public var streamMethod: RPCMethod<Request, Career_V1_TextStreamEvent> {
        RPCMethod(service: GenerationTaskRegistry.serviceName, name: "Stream" + self.rpcName, kind: .serverStreaming)
    }
}

/// A ``TextTask`` of any request type, as the registry lists them; `task` opens it.
public protocol TextTaskDefinition: Sendable {
    associatedtype Request: SwiftProtobuf.Message & Sendable
    var task: TextTask<Request> { get }
}

/// What is known of a task without its request type, for lists of them.
extension TextTaskDefinition {
    public var name: String { self.task.name }
    public var path: String { self.task.path }
    public var rpcName: String { self.task.rpcName }
    public var tier: ModelTier { self.task.tier }
    public var saved: Bool { self.task.saved }
    public var request: ObjectShape { self.task.request }
    public var systemInstruction: String { self.task.systemInstruction }
    /// The request message's name (`ThankYouNoteRequest`): its schema's name in the API
    /// reference, shared by tasks that take the same message.
    public var requestMessageName: String { self.task.requestShape.messageName }

    /// `MODEL_THANK_YOU_NOTE` for `thankYouNote`.
    public var modelSetting: String { modelSettingName(self.task.name) }
}

extension Career_V1_TextAnswer: ShapedAnswer {
    /// `{text, model, usage}`.
    public static let answerShape: [Property] = [.required("text", .answerText, "Markdown.")]
}

/// How the model is asked: sampling temperature, thinking tokens, and the answer's token budget
/// (thinking included).
public struct GenerationSettings: Sendable, Equatable {
    public var temperature: Double
    public var thinkingBudget: Int
    public var maxOutputTokens: Int

    public init(temperature: Double, thinkingBudget: Int, maxOutputTokens: Int) {
        self.temperature = temperature
        self.thinkingBudget = thinkingBudget
        self.maxOutputTokens = maxOutputTokens
    }
}

/// One block of the user turn: user-supplied content, delimited and described to the model as
/// data. An empty text block is left out.
public enum DataBlock: Sendable {
    /// The profile, as compact JSON, in `<candidate_profile>`.
    case profile(Career_V1_Profile)
    /// `text` in `<tag>`.
    case text(tag: String, String)
}

/// What a saved answer's short title is made of (the gateway words it).
public enum TitleHint: Sendable, Equatable {
    /// The job title and company guessed from a job description, or the profile's target.
    case job(description: String, targetTitle: String = "", company: String = "")
    /// The first line of what the user knows of a networking counterpart.
    case counterpart(String)
    case careerPath(currentRole: String, targetRole: String)
}
