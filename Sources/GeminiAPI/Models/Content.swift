import JSONText

/// A string-valued enumeration of the Gemini API that tolerates values this package does not
/// know (the API adds values over time): unknown values decode and round-trip unchanged.
public protocol GeminiOpenEnum: RawRepresentable, Codable, Hashable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral where RawValue == String
{
    init(rawValue: String)
}

extension GeminiOpenEnum {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// One turn of a conversation (`Content`): who spoke and what was said.
public struct Content: Codable, Sendable, Hashable {
    /// `user` or `model`; `nil` in a system instruction.
    public var role: Role?
    /// The pieces of the turn, in order.
    public var parts: [Part]

    public init(role: Role?, parts: [Part]) {
        self.role = role
        self.parts = parts
    }

    /// A turn made of one text part.
    public init(role: Role?, text: String) {
        self.init(role: role, parts: [Part(text: text)])
    }

    public struct Role: GeminiOpenEnum {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let user: Role = "user"
        public static let model: Role = "model"
    }

    enum CodingKeys: String, CodingKey { case role, parts }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.role = try container.decodeIfPresent(Role.self, forKey: .role)
        // A model turn that was cut short (blocked, MAX_TOKENS) may carry no parts at all.
        self.parts = try container.decodeIfPresent([Part].self, forKey: .parts) ?? []
    }
}

/// One piece of a turn (`Part`): text, a thought, a function call or a function result.
///
/// Fields this package does not model are kept in ``additionalFields`` and written back on
/// encode, so a model turn can be replayed to Gemini exactly as it was returned.
public struct Part: Codable, Sendable, Hashable {
    /// Text, or the model's thought summary when ``thought`` is `true`.
    public var text: String?
    /// `true` when this part is the model's thinking rather than its answer.
    public var thought: Bool?
    /// Opaque signature of the model's thinking; must be sent back unchanged with the turn.
    public var thoughtSignature: String?
    /// A function the model asks the caller to run.
    public var functionCall: FunctionCall?
    /// The result of a function the model asked for.
    public var functionResponse: FunctionResponse?
    /// Inline bytes (base64) with their MIME type.
    public var inlineData: Blob?
    /// Every other member of the part, kept verbatim.
    public var additionalFields: [String: JSONValue]

    public init(
        text: String? = nil,
        thought: Bool? = nil,
        thoughtSignature: String? = nil,
        functionCall: FunctionCall? = nil,
        functionResponse: FunctionResponse? = nil,
        inlineData: Blob? = nil,
        additionalFields: [String: JSONValue] = [:]
    ) {
        self.text = text
        self.thought = thought
        self.thoughtSignature = thoughtSignature
        self.functionCall = functionCall
        self.functionResponse = functionResponse
        self.inlineData = inlineData
        self.additionalFields = additionalFields
    }

    /// Whether this part is thinking rather than answer.
    public var isThought: Bool { thought == true }

    private enum Known: String, CaseIterable {
        case text, thought, thoughtSignature, functionCall, functionResponse, inlineData
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        func key(_ known: Known) -> AnyCodingKey { AnyCodingKey(known.rawValue) }
        self.text = try container.decodeIfPresent(String.self, forKey: key(.text))
        self.thought = try container.decodeIfPresent(Bool.self, forKey: key(.thought))
        self.thoughtSignature = try container.decodeIfPresent(String.self, forKey: key(.thoughtSignature))
        self.functionCall = try container.decodeIfPresent(FunctionCall.self, forKey: key(.functionCall))
        self.functionResponse = try container.decodeIfPresent(FunctionResponse.self, forKey: key(.functionResponse))
        self.inlineData = try container.decodeIfPresent(Blob.self, forKey: key(.inlineData))
        var extra: [String: JSONValue] = [:]
        let knownNames = Set(Known.allCases.map(\.rawValue))
        for codingKey in container.allKeys where !knownNames.contains(codingKey.stringValue) {
            extra[codingKey.stringValue] = try container.decode(JSONValue.self, forKey: codingKey)
        }
        self.additionalFields = extra
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyCodingKey.self)
        for (name, value) in additionalFields {
            try container.encode(value, forKey: AnyCodingKey(name))
        }
        try container.encodeIfPresent(text, forKey: AnyCodingKey(Known.text.rawValue))
        try container.encodeIfPresent(thought, forKey: AnyCodingKey(Known.thought.rawValue))
        try container.encodeIfPresent(thoughtSignature, forKey: AnyCodingKey(Known.thoughtSignature.rawValue))
        try container.encodeIfPresent(functionCall, forKey: AnyCodingKey(Known.functionCall.rawValue))
        try container.encodeIfPresent(functionResponse, forKey: AnyCodingKey(Known.functionResponse.rawValue))
        try container.encodeIfPresent(inlineData, forKey: AnyCodingKey(Known.inlineData.rawValue))
    }
}

/// A function call the model asks for (`FunctionCall`).
public struct FunctionCall: Codable, Sendable, Hashable {
    /// Name of a declared function.
    public var name: String
    /// Arguments as a JSON object, as the model produced them (unchecked).
    public var args: JSONValue?
    /// Call id, when the API assigns one; echo it in the matching ``FunctionResponse``.
    public var id: String?

    public init(name: String, args: JSONValue? = nil, id: String? = nil) {
        self.name = name
        self.args = args
        self.id = id
    }
}

/// The result of a function call, sent back in a user turn (`FunctionResponse`).
public struct FunctionResponse: Codable, Sendable, Hashable {
    /// Name of the function that was called.
    public var name: String
    /// The result as a JSON object.
    public var response: JSONValue
    /// The ``FunctionCall/id`` this answers, when the call had one.
    public var id: String?

    public init(name: String, response: JSONValue, id: String? = nil) {
        self.name = name
        self.response = response
        self.id = id
    }
}

/// Inline bytes (`Blob`): `data` is base64.
public struct Blob: Codable, Sendable, Hashable {
    public var mimeType: String
    public var data: String

    public init(mimeType: String, data: String) {
        self.mimeType = mimeType
        self.data = data
    }
}

struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { self.stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}
