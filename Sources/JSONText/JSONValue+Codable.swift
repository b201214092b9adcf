/// Any JSON value inside a `Codable` type: free-form members of the Gemini API's messages
/// (response schemas, function arguments and results, fields the client does not model).
///
/// To read a whole free-form text, use ``init(parsing:)`` rather than `JSONDecoder`: decoding
/// has to probe each value's kind by trying to decode it as each kind in turn, and every failed
/// try builds and throws an error. That made decoding a model's structured answer one of the
/// largest costs of a generation call (BENCHMARKS.md, full-stack profile).
extension JSONValue: Codable {
    /// Kinds are tried most common first, as each miss costs a thrown error. Numbers come as
    /// ``number(_:)`` writes a `Double`, since a decoder gives no literal.
    ///
    /// Object members come sorted by name: a decoder gives no order to keep (`JSONDecoder` lists
    /// the keys in its hash table's order, which differs from one decode to the next even of the
    /// same text), and a fixed one makes the same JSON decode to the same value, so that the
    /// Gemini client's messages compare and hash alike.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let object = try? decoder.container(keyedBy: MemberKey.self) {
            let keys = object.allKeys.sorted { $0.stringValue < $1.stringValue }
            self = .object(try keys.map { key in (key: key.stringValue, value: try object.decode(JSONValue.self, forKey: key)) })
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    /// Members in order; an integral number as an integer (`"minItems":1`, not `1.0`), any
    /// other as a `Double`, since an encoder takes no literal.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .number(let literal):
            var container = encoder.singleValueContainer()
            // The same spelling the direct writers use (`appendJSON(normalizingNumbers:)`).
            let normalized = Self.normalizedNumber(literal)
            if let integer = Int64(normalized) {
                try container.encode(integer)
            } else {
                try container.encode(Double(normalized) ?? 0)
            }
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case .object(let members):
            var container = encoder.container(keyedBy: MemberKey.self)
            for member in members { try container.encode(member.value, forKey: MemberKey(member.key)) }
        }
    }
}

/// Any member name as a coding key.
private struct MemberKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { self.stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
