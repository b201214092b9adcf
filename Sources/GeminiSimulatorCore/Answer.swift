import JSONText

/// Builds the simulator's deterministic answer to one `generateContent` request.
///
/// Same request, same answer: every choice derives from a stable hash of the prompt (system
/// instruction, every turn's text and function results), never from time or randomness.
struct AnswerBuilder {
    let model: String
    let request: JSONValue
    /// All prompt text, in order.
    let promptText: String
    /// The text of the last user turn.
    let lastUserText: String
    /// Eight hex digits of the prompt's hash.
    let digest: String
    let turnCount: Int
    /// Appended to the answer text and to every generated string (the `trailing-newline` fault).
    let textSuffix: String

    init(model: String, request: JSONValue, fault: Fault = Fault()) {
        self.textSuffix = fault.trailingNewline ? "\n" : ""
        self.model = model
        self.request = request
        var pieces: [String] = []
        for part in request["systemInstruction"]?["parts"]?.arrayValue ?? [] {
            if let text = part["text"]?.stringValue { pieces.append(text) }
        }
        let contents = request["contents"]?.arrayValue ?? []
        var lastUser = ""
        for content in contents {
            var texts: [String] = []
            for part in content["parts"]?.arrayValue ?? [] {
                if let text = part["text"]?.stringValue, part["thought"]?.boolValue != true { texts.append(text) }
                if let call = part["functionCall"] { pieces.append(call.sortedByName.jsonString()) }
                if let result = part["functionResponse"] { pieces.append(result.sortedByName.jsonString()) }
            }
            pieces.append(contentsOf: texts)
            if (content["role"]?.stringValue ?? "user") == "user", !texts.isEmpty {
                lastUser = texts.joined(separator: "\n")
            }
        }
        self.promptText = pieces.joined(separator: "\n")
        self.lastUserText = lastUser
        self.digest = shortDigest(promptText)
        self.turnCount = contents.count
    }

    var generationConfig: JSONValue? { request["generationConfig"] }

    /// The schema the answer must follow, when one was given.
    var schema: JSONValue? { generationConfig?["responseSchema"] ?? generationConfig?["responseJsonSchema"] }

    var wantsJSON: Bool {
        schema != nil || generationConfig?["responseMimeType"]?.stringValue == "application/json"
    }

    // MARK: Thinking

    /// Thinking tokens: with `thinkingBudget` > 0, at most the budget; with -1 or no budget,
    /// the model decides (`gemini-2.5-flash-lite` does not think unless asked); with 0, none.
    var thoughtsTokens: Int {
        let budget = generationConfig?["thinkingConfig"]?["thinkingBudget"]?.intValue
        let natural = 96 + Int(stableHash(promptText + "#thoughts") % 400)
        switch budget {
        case .some(0): return 0
        case .some(let budget) where budget > 0: return min(budget, natural)
        case .some: return natural
        case .none: return model.hasSuffix("flash-lite") ? 0 : natural
        }
    }

    var includeThoughts: Bool {
        generationConfig?["thinkingConfig"]?["includeThoughts"]?.boolValue == true
    }

    // MARK: Function calls

    /// A function call when tools are declared and either the last user turn names a declared
    /// function, or function calling mode is `ANY` (then the first allowed function).
    var functionCall: (name: String, args: JSONValue)? {
        let declarations = (request["tools"]?.arrayValue ?? []).flatMap { $0["functionDeclarations"]?.arrayValue ?? [] }
        guard !declarations.isEmpty else { return nil }
        let config = request["toolConfig"]?["functionCallingConfig"]
        let mode = config?["mode"]?.stringValue ?? "AUTO"
        if mode == "NONE" { return nil }
        // A turn that answers a function call gets text back, not another call.
        if let last = request["contents"]?.arrayValue?.last,
            (last["parts"]?.arrayValue ?? []).contains(where: { $0["functionResponse"] != nil })
        {
            return nil
        }
        let allowed = config?["allowedFunctionNames"]?.arrayValue?.compactMap(\.stringValue)
        let candidates = declarations.filter { declaration in
            guard let name = declaration["name"]?.stringValue else { return false }
            return allowed.map { $0.contains(name) } ?? true
        }
        let named = candidates.first { declaration in
            guard let name = declaration["name"]?.stringValue else { return false }
            return lastUserText.contains(name)
        }
        guard let chosen = named ?? (mode == "ANY" ? candidates.first : nil), let name = chosen["name"]?.stringValue else {
            return nil
        }
        let parameters = chosen["parameters"] ?? chosen["parametersJsonSchema"] ?? ["type": "object"]
        let generator = SchemaValueGenerator(root: parameters, seed: promptText)
        return (name, generator.value(for: parameters, name: name, path: name).appendingToStrings(textSuffix))
    }

    // MARK: Answer text

    /// The answer text: JSON following the schema, or markdown about the prompt.
    func answerText() -> String {
        if let schema {
            let generator = SchemaValueGenerator(root: schema, seed: promptText)
            return generator.value(for: schema, name: "value", path: "$").appendingToStrings(textSuffix).jsonString()
        }
        if wantsJSON {
            return JSONValue.object([
                ("answer", .string("Simulated answer \(digest)")),
                ("model", .string(model)),
            ]).jsonString()
        }
        return markdownAnswer() + textSuffix
    }

    private func markdownAnswer() -> String {
        let firstLine = lastUserText.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let excerpt = firstLine.count > 60 ? String(firstLine.prefix(60)) + "…" : firstLine
        let seed = stableHash(promptText)
        let adjectives = ["clear", "focused", "practical", "concise", "confident", "structured"]
        let adjective = adjectives[Int(seed % UInt64(adjectives.count))]
        return """
            ## Simulated answer

            This is a deterministic answer from the Gemini simulator (\(model)) for prompt `\(digest)`.

            - Prompt: \(promptText.count) characters in \(turnCount) turn\(turnCount == 1 ? "" : "s")
            - Request: "\(excerpt)"

            ### Details

            The simulator writes a \(adjective) placeholder instead of calling a model. The same request always \
            gets this same answer, so tests and demos can rely on it.
            """
    }

    /// A thought summary, returned when `includeThoughts` is set.
    func thoughtText() -> String {
        "**Planning the answer**\n\nThe simulator considered the request `\(digest)` before answering."
    }
}

/// Tokens for `text`: about one per four characters, at least one.
func tokenCount(_ text: String) -> Int {
    max(1, (text.count + 3) / 4)
}

/// Generates a JSON value that validates against a schema: Gemini's OpenAPI subset (`type` in
/// any case, `properties`, `required`, `propertyOrdering`, `items`, `minItems`, `maxItems`,
/// `enum`, `minimum`, `maximum`, `format`, `minLength`, `maxLength`, `nullable`, `anyOf`) and the
/// common JSON Schema keywords (`type` arrays, `const`, `oneOf`, `allOf`, `$ref` to `$defs` or
/// `definitions`, `exclusiveMinimum`, `exclusiveMaximum`).
///
/// Objects get every listed property; arrays 3 items unless `minItems`/`maxItems` say
/// otherwise; enums a member chosen by the hash of prompt and path; integers and numbers a value
/// within their bounds; strings the property name and a digest of the prompt.
struct SchemaValueGenerator {
    let root: JSONValue
    /// The hash state after `seed + "|"`, and the seed's short digest: computed once, since the
    /// seed is the whole prompt and every generated value needs them (hashing the prompt again
    /// for each value was the simulator's largest cost).
    private let seedState: UInt64
    private let seedDigest: String

    init(root: JSONValue, seed: String) {
        self.root = root
        self.seedState = stableHash("|", continuing: stableHash(seed))
        self.seedDigest = shortDigest(seed)
    }
    /// Deepest nesting generated; deeper schemas (recursive `$ref`s) get empty values.
    static let maxDepth = 12

    func value(for schema: JSONValue, name: String, path: String, depth: Int = 0) -> JSONValue {
        let schema = resolve(schema)
        let hash = stableHash(path, continuing: self.seedState)  // = stableHash(seed + "|" + path)
        // A schema's constants by name: as written, they would follow the client's encoder's order.
        if let constant = schema["const"] { return constant.sortedByName }
        if let options = schema["enum"]?.arrayValue, !options.isEmpty {
            return options[Int(hash % UInt64(options.count))].sortedByName
        }
        for keyword in ["anyOf", "oneOf", "allOf"] {
            if let options = schema[keyword]?.arrayValue, !options.isEmpty {
                let chosen = options.first { resolve($0)["type"]?.stringValue?.lowercased() != "null" } ?? options[0]
                return value(for: chosen, name: name, path: path, depth: depth + 1)
            }
        }
        switch type(of: schema) {
        case "object": return object(schema, path: path, depth: depth)
        case "array": return array(schema, name: name, path: path, depth: depth)
        case "integer": return .integer(integer(schema, hash: hash))
        case "number":
            let whole = Double(integer(schema, hash: hash))
            let maximum = schema["maximum"]?.numberValue ?? schema["exclusiveMaximum"]?.numberValue.map { $0 - 1 }
            return .number(maximum.map { whole + 0.5 <= $0 } ?? true ? whole + 0.5 : whole)
        case "boolean": return .bool(hash % 2 == 0)
        case "null": return .null
        default: return .string(string(schema, name: name, hash: hash))
        }
    }

    private func resolve(_ schema: JSONValue) -> JSONValue {
        var current = schema
        var hops = 0
        while let reference = current["$ref"]?.stringValue, hops < 8 {
            hops += 1
            let pieces = reference.split(separator: "/").map(String.init)
            guard pieces.first == "#" else { break }
            var target: JSONValue? = root
            for piece in pieces.dropFirst() { target = target?[piece] }
            guard let found = target else { break }
            current = found
        }
        return current
    }

    private func type(of schema: JSONValue) -> String {
        if let type = schema["type"]?.stringValue { return type.lowercased() }
        if let types = schema["type"]?.arrayValue?.compactMap(\.stringValue) {
            return types.first { $0.lowercased() != "null" }?.lowercased() ?? "null"
        }
        if schema["properties"] != nil { return "object" }
        if schema["items"] != nil { return "array" }
        return "string"
    }

    private func object(_ schema: JSONValue, path: String, depth: Int) -> JSONValue {
        guard depth < Self.maxDepth else { return .object([]) }
        let properties = schema["properties"] ?? [:]
        var order: [String] = schema["propertyOrdering"]?.arrayValue?.compactMap(\.stringValue) ?? []
        for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where !order.contains(name) {
            order.append(name)
        }
        for (name, _) in properties.uniqueMembersByName where !order.contains(name) {
            order.append(name)
        }
        let members = order.map { name in
            (key: name, value: value(for: properties[name] ?? [:], name: name, path: path + "." + name, depth: depth + 1))
        }
        return .object(members)
    }

    private func array(_ schema: JSONValue, name: String, path: String, depth: Int) -> JSONValue {
        guard depth < Self.maxDepth else { return .array([]) }
        var count = 3
        if let minimum = schema["minItems"]?.intValue { count = max(count, minimum) }
        if let maximum = schema["maxItems"]?.intValue { count = min(count, maximum) }
        count = max(0, min(count, 100))
        let items = schema["items"] ?? ["type": "string"]
        return .array((0..<count).map { index in
            value(for: items, name: "\(name) \(index + 1)", path: "\(path)[\(index)]", depth: depth + 1)
        })
    }

    private func integer(_ schema: JSONValue, hash: UInt64) -> Int {
        var lower = schema["minimum"]?.numberValue.map { Int($0.rounded(.up)) }
        if let exclusive = schema["exclusiveMinimum"]?.numberValue { lower = Int(exclusive.rounded(.down)) + 1 }
        var upper = schema["maximum"]?.numberValue.map { Int($0.rounded(.down)) }
        if let exclusive = schema["exclusiveMaximum"]?.numberValue { upper = Int(exclusive.rounded(.up)) - 1 }
        switch (lower, upper) {
        case (let lower?, let upper?) where upper >= lower:
            return lower + Int(hash % UInt64(upper - lower + 1))
        case (let lower?, nil): return lower + Int(hash % 100)
        case (nil, let upper?): return upper - Int(hash % 100)
        default: return Int(hash % 100)
        }
    }

    private func string(_ schema: JSONValue, name: String, hash: UInt64) -> String {
        let digest = self.seedDigest
        var text: String
        switch schema["format"]?.stringValue?.lowercased() {
        case "date-time": text = "2025-01-15T09:30:00Z"
        case "date": text = "2025-01-15"
        case "time": text = "09:30:00"
        case "email": text = "simulated.\(digest)@example.com"
        case "uri", "url": text = "https://example.com/\(digest)"
        case "uuid": text = "00000000-0000-4000-8000-0000\(digest)"
        default: text = "\(name) \(digest)"
        }
        if let minimum = schema["minLength"]?.intValue, text.count < minimum {
            text += String(repeating: "x", count: minimum - text.count)
        }
        if let maximum = schema["maxLength"]?.intValue, maximum >= 0, text.count > maximum {
            text = String(text.prefix(maximum))
        }
        return text
    }
}
