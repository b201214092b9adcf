import CareerProto
import CoachTasks
import GenerationTasks
import JSONText
import TaskContract

/// Writes `openapi.json`, the document `GET /openapi.json` serves: the hand-written
/// `openapi.base.json` (the API's conventions, errors, operations and the endpoints not yet
/// defined by a task definition) with every defined task's path and request schemas put in,
/// from the same definitions the routes and validation follow. `scripts/generate-openapi.sh`
/// runs it; a test fails when the committed document is not what it writes.
public enum OpenAPIDocument {
    /// The member of the base's `paths` that the tasks' paths replace, where they go.
    static let taskPathsMarker = "x-task-paths"

    /// The whole document, from the base document's text.
    public static func compose(base: JSONValue) throws(OpenAPIDocumentError) -> JSONValue {
        guard case .object(var document) = base,
              let pathsIndex = document.firstIndex(where: { $0.key == "paths" }), case .object(let basePaths) = document[pathsIndex].value,
              let componentsIndex = document.firstIndex(where: { $0.key == "components" }),
              case .object(var components) = document[componentsIndex].value,
              let schemasIndex = components.firstIndex(where: { $0.key == "schemas" }), case .object(let baseSchemas) = components[schemasIndex].value
        else { throw OpenAPIDocumentError(description: "the base document lacks paths or components.schemas") }
        guard basePaths.contains(where: { $0.key == Self.taskPathsMarker }) else {
            throw OpenAPIDocumentError(description: "the base document's paths lack the \(Self.taskPathsMarker) marker")
        }

        var taskPaths: [(key: String, value: JSONValue)] = []
        var schemas: [(key: String, value: JSONValue)] = []
        for task in GenerationTaskRegistry.structuredTasks {
            taskPaths.append(("/api/v1/" + task.path, ["post": Self.operation(task)]))
            schemas.append((task.answerSchemaName, task.answerSchema(components: &schemas)))
        }
        schemas.append((DocumentsTask.answerSchemaName, Career_V1_GenerateDocumentsResponse.answerSchema(saved: true, components: &schemas)))
        // Every text task answers `TextAnswer` (with `resultId` when one of them is saved).
        let anyTextTaskSaved = GenerationTaskRegistry.textTasks.contains(where: \.saved)
        schemas.append(("TextAnswer", Career_V1_TextAnswer.answerSchema(saved: anyTextTaskSaved, components: &schemas)))
        for task in GenerationTaskRegistry.textTasks {
            let requestName = task.requestMessageName
            if !schemas.contains(where: { $0.key == requestName }) {
                let schema = Shape.object(task.request).jsonSchema(nullable: false, components: &schemas)
                schemas.append((requestName, schema))
            }
            taskPaths.append(("/api/v1/" + task.path, ["post": Self.operation(task, requestSchema: requestName)]))
        }

        for (name, shape) in RequestShapes.all + [ChatRequestShape.chat.documented] {
            schemas.append((name, Shape.object(shape).jsonSchema(nullable: false, components: &schemas)))
        }

        var paths: [(key: String, value: JSONValue)] = []
        for member in basePaths {
            if member.key == Self.taskPathsMarker { paths += taskPaths } else { paths.append(member) }
        }
        // A generated schema replaces the base's of the same name in place; new ones go last.
        var mergedSchemas = baseSchemas.map { member in
            (key: member.key, value: schemas.first(where: { $0.key == member.key })?.value ?? member.value)
        }
        mergedSchemas += schemas.filter { schema in !baseSchemas.contains(where: { $0.key == schema.key }) }

        components[schemasIndex].value = .object(mergedSchemas)
        document[componentsIndex].value = .object(components)
        document[pathsIndex].value = .object(paths)
        return .object(document)
    }

    /// A text task's `post` operation: Markdown, unary or streamed.
    private static func operation(_ definition: some TextTaskDefinition, requestSchema: String) -> JSONValue {
        let task = definition.task
        return Self.operation(
            id: task.name, summary: task.summary, tier: task.tier, modelSetting: definition.modelSetting,
            about: task.answerDescription, saved: task.saved ? task.name : nil, requestSchema: requestSchema,
            answerSchema: "TextAnswer", streams: true
        )
    }

    /// A structured task's `post` operation: JSON, unary.
    private static func operation(_ definition: some StructuredTaskDefinition) -> JSONValue {
        let task = definition.task
        return Self.operation(
            id: task.operationID, summary: task.summary, tier: task.tier, modelSetting: definition.modelSetting,
            about: nil, saved: task.saved ? task.name : nil, requestSchema: task.request.messageName,
            answerSchema: task.answerSchemaName, streams: false
        )
    }

    private static func operation(
        id: String, summary: String, tier: ModelTier, modelSetting: String, about: String?, saved kind: String?,
        requestSchema: String, answerSchema: String, streams: Bool
    ) -> JSONValue {
        var description = "Model: \(tier.defaultModel) (setting `\(modelSetting)` of the generation service)."
        if let about { description += " " + about }
        if let kind {
            description += " Saved to the user's history as kind `\(kind)` (the answer then carries `resultId`)."
        }
        var content: [(key: String, value: JSONValue)] = [("application/json", ["schema": ["$ref": .string("#/components/schemas/\(answerSchema)")]])]
        if streams {
            description += " " + Self.streamingDescription
            content.append(("text/event-stream", ["schema": ["type": "string", "description": "Server-Sent Events, as described above."]]))
        }
        return [
            "operationId": .string(id),
            "summary": .string(summary),
            "description": .string(description),
            "tags": ["ai"],
            "security": [["supabase": []]],
            "parameters": [["$ref": "#/components/parameters/IdempotencyKey"], ["$ref": "#/components/parameters/RequestId"]],
            "requestBody": [
                "required": true,
                "content": ["application/json": ["schema": ["$ref": .string("#/components/schemas/\(requestSchema)")]]],
            ],
            "responses": .object(
                [("200", [
                    "description": "The answer.",
                    "headers": ["X-Request-Id": ["$ref": "#/components/headers/X-Request-Id"]],
                    "content": .object(content),
                ])]
                + Self.errorResponses.map { (key: $0.status, value: ["$ref": .string("#/components/responses/\($0.name)")]) }
            ),
        ]
    }

    /// The errors every AI call may answer, as the base document names them.
    private static let errorResponses: [(status: String, name: String)] = [
        ("400", "BadRequest"), ("401", "Unauthorized"), ("409", "Conflict"), ("413", "TooLarge"), ("422", "Blocked"),
        ("429", "TooManyRequests"), ("499", "Cancelled"), ("500", "Internal"), ("503", "Unavailable"), ("504", "Timeout"),
    ]

    static let streamingDescription =
        "Streams when the request has `Accept: text/event-stream`: events `delta` (data: DeltaEvent), then `done` (data: exactly the JSON of the non-streaming answer), or `error` (data: Error) which ends the stream; a `: ping` comment every 15 s (SSE_PING_SECONDS) from the start of the stream until `done` or `error`; when the model has sent nothing within one ping interval, the stream starts with a ping. A failure before the stream starts is a plain HTTP error. The `delta` texts add up to the text in `done` byte for byte."
}

public struct OpenAPIDocumentError: Error, CustomStringConvertible {
    public var description: String
}
