import JSONText

/// Writes a ``GenerateContentRequest`` as the JSON body Gemini reads, directly into bytes.
///
/// Every call sends one of these, schema and prompt included; `JSONEncoder` spent most of the
/// service's encoding time boxing each member through `Encoder` containers (BENCHMARKS.md,
/// "Full stack", the generation service's profile). This writes the same members, by the same
/// names, leaving `nil` ones out, and numbers inside schemas and arguments as their `Codable`
/// encoding writes them (`5.0` as `5`). `ModelTests` checks it against `JSONEncoder`.
struct RequestBodyWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    /// The body of `request`; `nil` when a number in it has no JSON spelling (NaN, infinity),
    /// which `JSONEncoder` refuses too.
    static func body(of request: GenerateContentRequest) -> [UInt8]? {
        var writer = RequestBodyWriter()
        writer.bytes.reserveCapacity(4096)
        guard writer.write(request) else { return nil }
        return writer.bytes
    }

    // MARK: The request's members

    private mutating func write(_ request: GenerateContentRequest) -> Bool {
        var valid = true
        open("{")
        if let system = request.systemInstruction { key("systemInstruction"); write(system) }
        key("contents"); open("[")
        for content in request.contents { element(); write(content) }
        close("]")
        if let config = request.generationConfig { key("generationConfig"); valid = write(config) }
        if let tools = request.tools {
            key("tools"); open("[")
            for tool in tools { element(); write(tool) }
            close("]")
        }
        if let toolConfig = request.toolConfig { key("toolConfig"); write(toolConfig) }
        if let settings = request.safetySettings {
            key("safetySettings"); open("[")
            for setting in settings {
                element(); open("{")
                key("category"); string(setting.category.rawValue)
                key("threshold"); string(setting.threshold.rawValue)
                close("}")
            }
            close("]")
        }
        close("}")
        return valid
    }

    private mutating func write(_ content: Content) {
        open("{")
        if let role = content.role { key("role"); string(role.rawValue) }
        key("parts"); open("[")
        for part in content.parts { element(); write(part) }
        close("]")
        close("}")
    }

    private mutating func write(_ part: Part) {
        open("{")
        // Sorted, so that the same part is always the same bytes.
        for name in part.additionalFields.keys.sorted() {
            key(name); value(part.additionalFields[name]!)
        }
        if let text = part.text { key("text"); string(text) }
        if let thought = part.thought { key("thought"); literal(thought ? "true" : "false") }
        if let signature = part.thoughtSignature { key("thoughtSignature"); string(signature) }
        if let call = part.functionCall {
            key("functionCall"); open("{")
            key("name"); string(call.name)
            if let args = call.args { key("args"); value(args) }
            if let id = call.id { key("id"); string(id) }
            close("}")
        }
        if let response = part.functionResponse {
            key("functionResponse"); open("{")
            key("name"); string(response.name)
            key("response"); value(response.response)
            if let id = response.id { key("id"); string(id) }
            close("}")
        }
        if let blob = part.inlineData {
            key("inlineData"); open("{")
            key("mimeType"); string(blob.mimeType)
            key("data"); string(blob.data)
            close("}")
        }
        close("}")
    }

    private mutating func write(_ config: GenerationConfig) -> Bool {
        var valid = true
        open("{")
        if let temperature = config.temperature { key("temperature"); valid = double(temperature) && valid }
        if let topP = config.topP { key("topP"); valid = double(topP) && valid }
        if let topK = config.topK { key("topK"); literal(String(topK)) }
        if let count = config.candidateCount { key("candidateCount"); literal(String(count)) }
        if let maxTokens = config.maxOutputTokens { key("maxOutputTokens"); literal(String(maxTokens)) }
        if let sequences = config.stopSequences {
            key("stopSequences"); open("[")
            for sequence in sequences { element(); string(sequence) }
            close("]")
        }
        if let mimeType = config.responseMimeType { key("responseMimeType"); string(mimeType) }
        if let schema = config.responseSchema { key("responseSchema"); value(schema) }
        if let schema = config.responseJsonSchema { key("responseJsonSchema"); value(schema) }
        if let thinking = config.thinkingConfig {
            key("thinkingConfig"); open("{")
            if let budget = thinking.thinkingBudget { key("thinkingBudget"); literal(String(budget)) }
            if let include = thinking.includeThoughts { key("includeThoughts"); literal(include ? "true" : "false") }
            close("}")
        }
        close("}")
        return valid
    }

    private mutating func write(_ tool: Tool) {
        open("{")
        if let declarations = tool.functionDeclarations {
            key("functionDeclarations"); open("[")
            for declaration in declarations {
                element(); open("{")
                key("name"); string(declaration.name)
                if let description = declaration.description { key("description"); string(description) }
                if let parameters = declaration.parameters { key("parameters"); value(parameters) }
                if let schema = declaration.parametersJsonSchema { key("parametersJsonSchema"); value(schema) }
                close("}")
            }
            close("]")
        }
        close("}")
    }

    private mutating func write(_ toolConfig: ToolConfig) {
        open("{")
        if let calling = toolConfig.functionCallingConfig {
            key("functionCallingConfig"); open("{")
            if let mode = calling.mode { key("mode"); string(mode.rawValue) }
            if let names = calling.allowedFunctionNames {
                key("allowedFunctionNames"); open("[")
                for name in names { element(); string(name) }
                close("]")
            }
            close("}")
        }
        close("}")
    }

    // MARK: JSON pieces (a comma goes before every member or element but the first)

    private mutating func open(_ bracket: Unicode.Scalar) {
        bytes.append(UInt8(ascii: bracket))
        needsComma = false
    }

    private mutating func close(_ bracket: Unicode.Scalar) {
        bytes.append(UInt8(ascii: bracket))
        needsComma = true
    }

    private mutating func element() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = false
    }

    private mutating func key(_ name: String) {
        element()
        JSONValue.writeString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func string(_ value: String) {
        JSONValue.writeString(value, to: &bytes)
        needsComma = true
    }

    private mutating func literal(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    private mutating func value(_ value: JSONValue) {
        value.appendJSON(to: &bytes, normalizingNumbers: true)
        needsComma = true
    }

    /// `false` for NaN and infinity, which JSON cannot spell.
    private mutating func double(_ value: Double) -> Bool {
        guard case .number(let literal) = JSONValue.number(value) else {
            self.literal("null")
            return false
        }
        self.literal(literal)
        return true
    }
}
