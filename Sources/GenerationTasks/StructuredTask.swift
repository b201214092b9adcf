import CareerProto
import Foundation
import JSONText
import RPCRuntime
import SwiftProtobuf
import TaskContract

/// A generation task whose answer is JSON from Gemini's structured output (parse, analysis,
/// career path, interview questions): everything about it, in one value, as ``TextTask`` is for
/// the Markdown tasks. The gateway derives its route, request validation and protobuf mapping,
/// rate-limit tier, ledger name, saved kind and OpenAPI operation from it; the generation
/// service its RPC method, model setting, prompt, Gemini request, response schema and the
/// reading of the model's answer.
public struct StructuredTask<Request: SwiftProtobuf.Message & Sendable, Response: ShapedAnswer>: StructuredTaskDefinition {
    /// The ledger's `task`, and the saved results' `kind` when saved (`analysis`).
    public var name: String
    /// The OpenAPI `operationId` (`analyzeApplication`).
    public var operationID: String
    /// The generation service's setting that names the task's model (`MODEL_ANALYZE_APPLICATION`).
    public var modelSetting: String
    /// The route under `/api/v1`; always a `POST`.
    public var path: String
    /// The RPC method's name in `career.v1.GenerationService`.
    public var rpcName: String
    /// One line for the API reference.
    public var summary: String
    /// The answer's schema in the API reference (`components/schemas/<name>`), written from
    /// the answer's shape (``ShapedAnswer``).
    public var answerSchemaName: String
    public var tier: ModelTier
    public var saved: Bool
    public var request: RequestShape<Request>
    /// The system instruction: our instructions only, never the user's content.
    public var systemInstruction: String
    public var generation: GenerationSettings
    /// The `responseSchema` sent to Gemini, in its OpenAPI subset; the answer is checked against
    /// it before ``answer`` reads it.
    public var responseSchema: JSONValue
    /// The user turn's data blocks, from a checked request.
    public var userData: @Sendable (Request) -> [DataBlock]
    /// The answer message from the model's JSON (already checked against ``responseSchema``)
    /// and the request; throws ``MalformedAnswer`` for what the schema cannot state. `model`
    /// and `usage` are set by the runner.
    public var answer: @Sendable (JSONValue, Request) throws(MalformedAnswer) -> Response
    /// What a saved answer's title is made of.
    public var title: @Sendable (Request) -> TitleHint

    public init(
        name: String, operationID: String, modelSetting: String, path: String, rpcName: String, summary: String, answerSchemaName: String,
        tier: ModelTier, saved: Bool, request: RequestShape<Request>, systemInstruction: String,
        generation: GenerationSettings, responseSchema: JSONValue,
        userData: @escaping @Sendable (Request) -> [DataBlock],
        answer: @escaping @Sendable (JSONValue, Request) throws(MalformedAnswer) -> Response,
        title: @escaping @Sendable (Request) -> TitleHint
    ) {
        self.name = name
        self.operationID = operationID
        self.modelSetting = modelSetting
        self.path = path
        self.rpcName = rpcName
        self.summary = summary
        self.answerSchemaName = answerSchemaName
        self.tier = tier
        self.saved = saved
        self.request = request
        self.systemInstruction = systemInstruction
        self.generation = generation
        self.responseSchema = responseSchema
        self.userData = userData
        self.answer = answer
        self.title = title
    }

    public var task: StructuredTask<Request, Response> { self }

    public var method: RPCMethod<Request, Response> {
        RPCMethod(service: GenerationTaskRegistry.serviceName, name: self.rpcName, kind: .unary)
    }
}

/// A ``StructuredTask`` of any request and answer types, as the registry lists them.
public protocol StructuredTaskDefinition: Sendable {
    associatedtype Request: SwiftProtobuf.Message & Sendable
    associatedtype Response: ShapedAnswer
    var task: StructuredTask<Request, Response> { get }
}

/// What is known of a task without its types, for lists of them.
extension StructuredTaskDefinition {
    public var name: String { self.task.name }
    public var path: String { self.task.path }
    public var tier: ModelTier { self.task.tier }
    public var systemInstruction: String { self.task.systemInstruction }
    public var answerSchemaName: String { self.task.answerSchemaName }
    /// The request message's name and body shape, for the API reference.
    public var documentedRequest: (messageName: String, shape: ObjectShape) { self.task.request.documented }
    public var modelSetting: String { self.task.modelSetting }
}

/// `MODEL_THANK_YOU_NOTE` for `thankYouNote`.
func modelSettingName(_ name: String) -> String {
    var variable = "MODEL_"
    for character in name {
        if character.isUppercase { variable.append("_") }
        variable += character.uppercased()
    }
    return variable
}

/// A model's answer that does not say what its task needs, beyond what the response schema
/// can state (an empty section, a milestone without a title): the service asks again once, then
/// answers `MALFORMED_MODEL_OUTPUT`. `reason` names schema fields only, never model output.
public struct MalformedAnswer: Error, Sendable {
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }
}

/// An answer message of the API: the model that answered, its usage, and its JSON as the
/// gateway writes it (the spec's camelCase names in the spec's order, every key present, so
/// the same message always gives the same bytes).
public protocol AnswerMessage: SwiftProtobuf.Message, Sendable {
    var model: String { get set }
    var usage: Career_V1_Usage { get set }
    /// The answer as the endpoint's JSON body.
    var jsonValue: JSONValue { get }
    /// A career path the answer carries as well, with its own model and usage (the coach's).
    var carriedCareerPath: Career_V1_CareerPathResponse? { get }
}

extension AnswerMessage {
    public var carriedCareerPath: Career_V1_CareerPathResponse? { nil }

    /// The answer's compact UTF-8 JSON body.
    public func jsonBody() -> Data {
        self.jsonValue.jsonData()
    }
}

/// An answer message written by its shape: the shape's members in its order, every one present
/// (``ShapeMapping/completeJSON(_:_:)``), then `model` and `usage`. The same shape writes the
/// answer's schema in the API reference.
public protocol ShapedAnswer: AnswerMessage {
    /// The answer's members, without `model`, `usage` and `resultId`.
    static var answerShape: [Property] { get }
}

extension ShapedAnswer {
    public var jsonValue: JSONValue {
        guard case .object(let members) = ShapeMapping.completeJSON(self, .object(ObjectShape(properties: Self.answerShape, unknownKeys: .reject)))
        else { return [:] }
        return .object(members + [("model", .string(self.model)), ("usage", self.usage.jsonValue)])
    }
}

extension ShapedAnswer {
    /// The answer's schema in the API reference: its shape's members, `model`, `usage`, and
    /// `resultId` when the task's answers are saved.
    public static func answerSchema(saved: Bool, components: inout [(key: String, value: JSONValue)]) -> JSONValue {
        guard case .object(var schema) = ObjectShape.answerSchema(Self.answerShape, components: &components),
            let properties = schema.firstIndex(where: { $0.key == "properties" }), case .object(var members) = schema[properties].value,
            let required = schema.firstIndex(where: { $0.key == "required" }), case .array(let names) = schema[required].value
        else { return [:] }
        members.append(("model", ["$ref": "#/components/schemas/Model"]))
        members.append(("usage", ["$ref": "#/components/schemas/Usage"]))
        if saved {
            members.append(("resultId", [
                "type": "string", "format": "uuid",
                "description": "The id of the saved copy of this answer (GET /api/v1/history/{id}); present when it was saved (SAVE_RESULTS=1 and the database committed it within 2 s).",
            ]))
        }
        schema[properties].value = .object(members)
        schema[required].value = .array(names + ["model", "usage"])
        return .object(schema)
    }
}

extension StructuredTaskDefinition {
    /// The answer's schema in the API reference.
    public func answerSchema(components: inout [(key: String, value: JSONValue)]) -> JSONValue {
        Response.answerSchema(saved: self.task.saved, components: &components)
    }
}

extension Career_V1_Usage {
    /// `{promptTokens, outputTokens, thoughtsTokens, totalTokens}`.
    public var jsonValue: JSONValue {
        [
            "promptTokens": .integer(promptTokens),
            "outputTokens": .integer(outputTokens),
            "thoughtsTokens": .integer(thoughtsTokens),
            "totalTokens": .integer(totalTokens),
        ]
    }
}
