import JSONText

/// Small builders for response schemas in Gemini's OpenAPI subset. Objects list every property
/// in `propertyOrdering` (Gemini answers in that order) and, unless told otherwise, require them all.
public enum ResponseSchema {
    public static let string: JSONValue = ["type": "STRING"]

    public static func string(oneOf values: [String]) -> JSONValue {
        ["type": "STRING", "enum": .array(values.map(JSONValue.string))]
    }

    public static func integer(minimum: Int, maximum: Int) -> JSONValue {
        ["type": "INTEGER", "minimum": .integer(minimum), "maximum": .integer(maximum)]
    }

    public static func array(of items: JSONValue, minItems: Int? = nil, maxItems: Int? = nil) -> JSONValue {
        var schema: [(key: String, value: JSONValue)] = [("type", "ARRAY"), ("items", items)]
        if let minItems { schema.append(("minItems", .integer(minItems))) }
        if let maxItems { schema.append(("maxItems", .integer(maxItems))) }
        return .object(schema)
    }

    public static func object(_ properties: KeyValuePairs<String, JSONValue>, required: [String]? = nil) -> JSONValue {
        let names = properties.map(\.key)
        return .object([
            ("type", "OBJECT"),
            ("properties", .object(properties.map { (key: $0.key, value: $0.value) })),
            ("required", .array((required ?? names).map(JSONValue.string))),
            ("propertyOrdering", .array(names.map(JSONValue.string))),
        ])
    }
}
