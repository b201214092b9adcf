import JSONText

/// The fields Google's `GenerateContentRequest` knows, message by message, so the simulator can
/// refuse an unknown one the way Google does: 400 `INVALID_ARGUMENT`, the message
/// `Invalid JSON payload received. Unknown name "x" at 'generation_config': Cannot find field.`
/// (one line per unknown field) and a `google.rpc.BadRequest` detail with a field violation each.
/// A client that passes here does not send Google a field it would refuse.
///
/// Like Google's proto3 JSON parser, a field is accepted in camelCase or snake_case. Values
/// that are free JSON (`functionCall.args`, `functionResponse.response`,
/// `responseJsonSchema`, a schema's `example`/`default`) are not looked into.
enum RequestShape {
    /// One protobuf message type: its known fields and what each holds.
    indirect enum Field {
        /// A scalar, an enum or free JSON: nothing inside is checked.
        case value
        case message(Message)
        /// A map whose values are messages (`Schema.properties`).
        case map(Message)
    }

    struct Message {
        let fields: [String: Field]
    }

    struct Violation: Equatable {
        /// Google's path: snake_case names, `[i]` for list items, `[i].value` for map entries;
        /// empty for a top-level field.
        let path: String
        let name: String

        var description: String {
            path.isEmpty
                ? "Invalid JSON payload received. Unknown name \"\(name)\": Cannot find field."
                : "Invalid JSON payload received. Unknown name \"\(name)\" at '\(path)': Cannot find field."
        }
    }

    /// Every unknown field of `body`, the members of each object by name.
    static func unknownFields(in body: JSONValue) -> [Violation] {
        var violations: [Violation] = []
        check(body, against: generateContentRequest, path: "", into: &violations)
        return violations
    }

    private static func check(_ value: JSONValue, against message: Message, path: String, into violations: inout [Violation]) {
        if let items = value.arrayValue {
            for (index, item) in items.enumerated() {
                check(item, against: message, path: "\(path)[\(index)]", into: &violations)
            }
            return
        }
        for (key, member) in value.uniqueMembersByName {
            guard let field = message.fields[key] ?? message.fields[camelCase(key)] else {
                violations.append(Violation(path: path, name: key))
                continue
            }
            let childPath = (path.isEmpty ? "" : path + ".") + snakeCase(key)
            switch field {
            case .value:
                break
            case .message(let inner):
                check(member, against: inner, path: childPath, into: &violations)
            case .map(let inner):
                for (index, entry) in member.uniqueMembersByName.enumerated() {
                    check(entry.value, against: inner, path: "\(childPath)[\(index)].value", into: &violations)
                }
            }
        }
    }

    static func snakeCase(_ name: String) -> String {
        // Field names are ASCII; this path avoids Unicode property lookups for every character
        // of every key of every request.
        if name.utf8.allSatisfy({ $0 < 0x80 }) {
            var out = [UInt8]()
            out.reserveCapacity(name.utf8.count + 4)
            for byte in name.utf8 {
                if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") {
                    out.append(UInt8(ascii: "_"))
                    out.append(byte | 0x20)
                } else {
                    out.append(byte)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
        var out = ""
        for character in name {
            if character.isUppercase {
                out += "_" + character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }

    static func camelCase(_ name: String) -> String {
        let pieces = name.split(separator: "_", omittingEmptySubsequences: false)
        guard let first = pieces.first else { return name }
        return String(first) + pieces.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    private static func fields(_ names: String..., messages: [String: Field] = [:]) -> Message {
        var fields = messages
        for name in names { fields[name] = .value }
        return Message(fields: fields)
    }

    // MARK: The messages (v1beta)

    /// `Schema`, the OpenAPI subset of `responseSchema` and function `parameters`; recursive,
    /// so it is built to a fixed depth that no real request reaches.
    static func schema(depth: Int) -> Message {
        var nested: [String: Field] = [:]
        if depth > 0 {
            let inner = schema(depth: depth - 1)
            nested = ["items": .message(inner), "anyOf": .message(inner), "properties": .map(inner)]
        }
        return fields(
            "type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems", "required",
            "minProperties", "maxProperties", "minLength", "maxLength", "pattern", "example", "propertyOrdering",
            "default", "minimum", "maximum",
            messages: nested
        )
    }

    static let part = fields(
        "text", "thought", "thoughtSignature", "videoMetadata", "partMetadata",
        messages: [
            "inlineData": .message(fields("mimeType", "data")),
            "fileData": .message(fields("mimeType", "fileUri")),
            "functionCall": .message(fields("id", "name", "args")),
            "functionResponse": .message(fields("id", "name", "response", "willContinue", "scheduling", "parts")),
            "executableCode": .message(fields("language", "code")),
            "codeExecutionResult": .message(fields("outcome", "output")),
        ]
    )

    static let content = fields("role", messages: ["parts": .message(part)])

    static let generateContentRequest: Message = {
        let parameters = schema(depth: 12)
        let functionDeclaration = fields(
            "name", "description", "behavior", "parametersJsonSchema", "responseJsonSchema",
            messages: ["parameters": .message(parameters), "response": .message(parameters)]
        )
        let tool = fields(
            "googleSearchRetrieval", "codeExecution", "googleSearch", "urlContext", "computerUse", "fileSearch", "googleMaps",
            messages: ["functionDeclarations": .message(functionDeclaration)]
        )
        let toolConfig = fields(
            "retrievalConfig",
            messages: ["functionCallingConfig": .message(fields("mode", "allowedFunctionNames"))]
        )
        let generationConfig = fields(
            "stopSequences", "responseMimeType", "responseJsonSchema", "responseModalities", "candidateCount",
            "maxOutputTokens", "temperature", "topP", "topK", "seed", "presencePenalty", "frequencyPenalty",
            "responseLogprobs", "logprobs", "enableEnhancedCivicAnswers", "speechConfig", "mediaResolution", "imageConfig",
            messages: [
                "responseSchema": .message(parameters),
                "thinkingConfig": .message(fields("includeThoughts", "thinkingBudget", "thinkingLevel")),
            ]
        )
        return fields(
            "model", "cachedContent",
            messages: [
                "contents": .message(content),
                "systemInstruction": .message(content),
                "tools": .message(tool),
                "toolConfig": .message(toolConfig),
                "safetySettings": .message(fields("category", "threshold", "method")),
                "generationConfig": .message(generationConfig),
            ]
        )
    }()
}
