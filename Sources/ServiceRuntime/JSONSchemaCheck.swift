import GeminiAPI

/// Checks a model's JSON answer against the schema we sent with the request (the OpenAPI subset
/// Gemini's `responseSchema` uses: type, properties, required, items, enum, minItems, maxItems,
/// minimum, maximum). Structured output makes Gemini follow the schema, but not always: this is
/// what stops a malformed answer from reaching the frontend.
public enum JSONSchemaCheck {
    /// The first place the value breaks the schema, as a path like `questions[2].type`; nil when
    /// it conforms. The path names schema fields only, never model output.
    public static func firstViolation(of value: JSONValue, against schema: JSONValue, at path: String = "$") -> String? {
        let type = schema["type"]?.stringValue?.uppercased()
        switch type {
        case "OBJECT":
            guard case .object(let members) = value else { return "\(path) is not an object" }
            for required in schema["required"]?.arrayValue ?? [] {
                guard let name = required.stringValue else { continue }
                if members[name] == nil || members[name] == .null { return "\(path).\(name) is missing" }
            }
            if case .object(let properties) = schema["properties"] {
                for (name, propertySchema) in properties.sorted(by: { $0.key < $1.key }) {
                    guard let member = members[name], member != .null else { continue }
                    if let violation = firstViolation(of: member, against: propertySchema, at: "\(path).\(name)") { return violation }
                }
            }
        case "ARRAY":
            guard case .array(let items) = value else { return "\(path) is not an array" }
            if let minimum = schema["minItems"]?.intValue ?? schema["minItems"]?.stringValue.flatMap({ Int($0) }), items.count < minimum {
                return "\(path) has fewer than \(minimum) items"
            }
            if let maximum = schema["maxItems"]?.intValue ?? schema["maxItems"]?.stringValue.flatMap({ Int($0) }), items.count > maximum {
                return "\(path) has more than \(maximum) items"
            }
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() {
                    if let violation = firstViolation(of: item, against: itemSchema, at: "\(path)[\(index)]") { return violation }
                }
            }
        case "STRING":
            guard case .string(let string) = value else { return "\(path) is not a string" }
            if let allowed = schema["enum"]?.arrayValue?.compactMap(\.stringValue), !allowed.contains(string) {
                return "\(path) is not one of the allowed values"
            }
        case "INTEGER", "NUMBER":
            guard let number = value.numberValue else { return "\(path) is not a number" }
            if type == "INTEGER" && number.rounded() != number { return "\(path) is not an integer" }
            if let minimum = schema["minimum"]?.numberValue, number < minimum { return "\(path) is below \(minimum)" }
            if let maximum = schema["maximum"]?.numberValue, number > maximum { return "\(path) is above \(maximum)" }
        case "BOOLEAN":
            guard case .bool = value else { return "\(path) is not a boolean" }
        default:
            break
        }
        return nil
    }
}
