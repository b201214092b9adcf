import JSONText

/// A shape as JSON Schema (OpenAPI 3.1's dialect), stating every rule ``ShapeReader`` enforces
/// that JSON Schema can state, and the others in `description`.
extension Shape {
    /// No NUL character anywhere (the string is checked whole, hence the anchors).
    public static let noNULPattern = "^[^\\u0000]*$"
    /// Unicode's `White_Space` characters, listed one by one so that every regular-expression
    /// engine (ECMA-262, Python's `re`) reads the same set.
    static let whiteSpaceClass = "\\u0009-\\u000d\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
    /// No NUL character, and at least one character that is not whitespace: a required text.
    /// One pattern rather than `allOf` with a second one, which made schemathesis's generation of
    /// boundary cases a dozen times slower.
    public static let requiredTextPattern = "^[^\\u0000]*[^\\u0000\(whiteSpaceClass)][^\\u0000]*$"

    /// The schema of this shape. `nullable`: `null` is allowed (an optional member, where it
    /// means "absent"). Named shapes are added to `components` (once) and referred to.
    public func jsonSchema(nullable: Bool, required: Bool = false, components: inout [(key: String, value: JSONValue)]) -> JSONValue {
        switch self {
        case .named(let name, let shape):
            if !components.contains(where: { $0.key == name }) {
                // Reserve the name first: a shape may refer to itself through its members.
                components.append((name, .null))
                let schema = shape.jsonSchema(nullable: false, required: false, components: &components)
                if let index = components.firstIndex(where: { $0.key == name }) { components[index].value = schema }
            }
            let reference: JSONValue = ["$ref": .string("#/components/schemas/\(name)")]
            // `anyOf`, not `oneOf`: the two cannot both hold, and a `oneOf` makes validators and
            // generators (schemathesis) check each branch against the negation of the other.
            return nullable ? ["anyOf": [reference, ["type": "null"]]] : reference
        case .string(let maxLength, let blankAllowed):
            let notBlank = required && !blankAllowed
            var schema: [(key: String, value: JSONValue)] = [("type", Self.type("string", nullable: nullable))]
            if notBlank { schema.append(("minLength", 1)) }
            schema.append(("maxLength", .integer(maxLength)))
            schema.append(("pattern", .string(notBlank ? Self.requiredTextPattern : Self.noNULPattern)))
            if notBlank { schema.append(("description", "Must hold a character other than whitespace.")) }
            return .object(schema)
        case .choice(let choices):
            let values = choices.map { JSONValue.string($0.value) }
            return ["type": Self.type("string", nullable: nullable), "enum": .array(nullable ? values + [.null] : values)]
        case .translated(let translation):
            return translation.shape.jsonSchema(nullable: nullable, required: required, components: &components)
        case .custom(let custom):
            if !components.contains(where: { $0.key == custom.name }) {
                components.append((custom.name, .null))
                let schema = custom.schema(&components)
                if let index = components.firstIndex(where: { $0.key == custom.name }) { components[index].value = schema }
            }
            let reference: JSONValue = ["$ref": .string("#/components/schemas/\(custom.name)")]
            return nullable ? ["anyOf": [reference, ["type": "null"]]] : reference
        case .boolean:
            return ["type": Self.type("boolean", nullable: nullable)]
        case .integer(let range):
            return [
                "type": Self.type("integer", nullable: nullable),
                "minimum": .integer(range.lowerBound), "maximum": .integer(range.upperBound),
            ]
        case .array(let element, let maxItems):
            return [
                "type": Self.type("array", nullable: nullable),
                "items": element.jsonSchema(nullable: false, required: true, components: &components),
                "maxItems": .integer(maxItems),
            ]
        case .object(let object):
            var properties: [(key: String, value: JSONValue)] = []
            for property in object.properties {
                // A member of `exactlyOneOf` may be null (absent), but read as required when given:
                // a string's length and blankness rules apply only to strings, so both hold.
                let alternative = object.exactlyOneOf.contains(property.name)
                var schema = property.shape.jsonSchema(
                    nullable: !property.required, required: property.required || alternative, components: &components)
                if let description = property.description { schema = Self.describing(schema, description) }
                if let defaultValue = property.defaultValue { schema = Self.adding("default", defaultValue, to: schema) }
                properties.append((property.name, schema))
            }
            var schema: [(key: String, value: JSONValue)] = [("type", Self.type("object", nullable: nullable))]
            let required = object.properties.filter(\.required).map { JSONValue.string($0.name) }
            if !required.isEmpty { schema.append(("required", .array(required))) }
            schema.append(("properties", .object(properties)))
            var description = object.description.map { [$0] } ?? []
            // Each condition is an `anyOf`; two of them go into an `allOf`.
            var conditions: [JSONValue] = []
            if !object.exactlyOneOf.isEmpty {
                conditions.append(["anyOf": .array(Self.alternatives(object))])
                description.append("Exactly one of \(object.exactlyOneOf.joined(separator: " and ")).")
            }
            for rule in object.rules {
                switch rule {
                case .notAllFalse(let names, _):
                    let allFalse: [(key: String, value: JSONValue)] = names.map { ($0, ["const": false]) }
                    schema.append(("not", ["required": .array(names.map(JSONValue.string)), "properties": .object(allFalse)]))
                    description.append("\(Self.andList(names)) are not \(names.count == 2 ? "both" : "all") false.")
                case .onlyWhen(let member, let value, let members, _):
                    let absent: [(key: String, value: JSONValue)] = members.map { name in
                        let isText = object.properties.first { $0.name == name }.map { if case .string = $0.shape.unnamed { true } else { false } } ?? false
                        let absentValue: JSONValue = isText ? ["enum": ["", .null]] : ["type": "null"]
                        return (name, absentValue)
                    }
                    let constant: JSONValue = ["const": .string(value)]
                    let isValue: JSONValue = ["properties": .object([(member, constant)])]
                    let isAbsent: JSONValue = ["properties": .object(absent)]
                    conditions.append(["anyOf": [isValue, isAbsent]])
                    let named = members.map { name in absent.contains { $0.key == name && $0.value != ["type": "null"] } ? "a non-empty \(name)" : name }
                    description.append("\(Self.andList(named)) only when \(member) is \"\(value)\".")
                }
            }
            if conditions.count == 1, case .object(let condition) = conditions[0] {
                schema.append(contentsOf: condition)
            } else if conditions.count > 1 {
                schema.append(("allOf", .array(conditions)))
            }
            switch object.unknownKeys {
            case .reject:
                schema.append(("additionalProperties", false))
                description.append("A key given twice is refused.")
            case .drop:
                description.append("Keys not listed here are accepted and dropped, at any depth; a key given twice is refused.")
            }
            schema.append(("description", .string(description.joined(separator: " "))))
            return .object(schema)
        }
    }

    /// One branch per alternative of `exactlyOneOf`: that member given (present and not
    /// `null`), every other one absent or `null`. The branches exclude each other, so `anyOf`
    /// says "exactly one" without `oneOf`'s negations. Each member's own schema says the rest (a
    /// string of them is not blank), so that a branch does not repeat a whole profile.
    private static func alternatives(_ object: ObjectShape) -> [JSONValue] {
        object.exactlyOneOf.compactMap { name in
            guard let property = object.properties.first(where: { $0.name == name }) else { return nil }
            let others = object.exactlyOneOf.filter { $0 != name }.map { (key: $0, value: ["type": "null"] as JSONValue) }
            return ["required": [.string(name)], "properties": .object([(name, property.shape.given)] + others)]
        }
    }

    /// A value of this shape that is there: its type.
    private var given: JSONValue {
        switch self {
        case .named(_, let shape): shape.given
        case .translated(let translation): translation.shape.given
        case .custom: [:]
        case .string, .choice: ["type": "string"]
        case .boolean: ["type": "boolean"]
        case .integer: ["type": "integer"]
        case .array: ["type": "array"]
        case .object: ["type": "object"]
        }
    }

    /// The shape under any names.
    var unnamed: Shape {
        if case .named(_, let shape) = self { shape.unnamed } else { self }
    }

    private static func andList(_ names: [String]) -> String {
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " and " + names.last!
    }

    /// `schema` with a member added; a `$ref` or `anyOf` is wrapped, as in ``describing(_:_:)``.
    private static func adding(_ key: String, _ value: JSONValue, to schema: JSONValue) -> JSONValue {
        guard case .object(var members) = schema else { return schema }
        if members.contains(where: { $0.key == "$ref" || $0.key == "anyOf" }) {
            return .object([("allOf", [schema]), (key, value)])
        }
        members.append((key, value))
        return .object(members)
    }

    private static func type(_ name: String, nullable: Bool) -> JSONValue {
        nullable ? [.string(name), "null"] : .string(name)
    }

    /// `schema` with `description` added; a `$ref` is wrapped, since 3.1 allows siblings of
    /// `$ref` but renderers ignore them.
    static func describing(_ schema: JSONValue, _ description: String) -> JSONValue {
        guard case .object(var members) = schema else { return schema }
        if members.contains(where: { $0.key == "$ref" || $0.key == "anyOf" }) {
            return ["allOf": [schema], "description": .string(description)]
        }
        if let index = members.firstIndex(where: { $0.key == "description" }), case .string(let existing) = members[index].value {
            members[index].value = .string(description + " " + existing)
        } else {
            members.append(("description", .string(description)))
        }
        return .object(members)
    }
}

/// A shape as the schema of an answer the API writes (``ShapeMapping/completeJSON(_:_:)``):
/// every member present and not `null`, no undeclared member; a named shape is listed once as
/// `<name>Answer` (the request's `Profile` is the answer's `ProfileAnswer`).
extension Shape {
    public func answerSchema(components: inout [(key: String, value: JSONValue)]) -> JSONValue {
        switch self {
        case .named(let name, let shape):
            let componentName = name + "Answer"
            if !components.contains(where: { $0.key == componentName }) {
                components.append((componentName, .null))
                let schema = shape.answerSchema(components: &components)
                if let index = components.firstIndex(where: { $0.key == componentName }) { components[index].value = schema }
            }
            return ["$ref": .string("#/components/schemas/\(componentName)")]
        case .translated(let translation):
            return translation.shape.answerSchema(components: &components)
        case .custom(let custom):
            return custom.schema(&components)
        case .string: return ["type": "string"]
        case .boolean: return ["type": "boolean"]
        case .integer(let range): return ["type": "integer", "minimum": .integer(range.lowerBound), "maximum": .integer(range.upperBound)]
        case .choice(let choices): return ["type": "string", "enum": .array(choices.map { .string($0.value) })]
        case .array(let element, _): return ["type": "array", "items": element.answerSchema(components: &components)]
        case .object(let object):
            return ObjectShape.answerSchema(object.properties, description: object.description, components: &components)
        }
    }
}

extension ObjectShape {
    /// An answer object of `properties`, all present, and nothing else.
    public static func answerSchema(
        _ properties: [Property], description: String? = nil, components: inout [(key: String, value: JSONValue)]
    ) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        for property in properties {
            var schema = property.shape.answerSchema(components: &components)
            if property.nullWhenEmpty, case .object(var members) = schema, let type = members.firstIndex(where: { $0.key == "type" }) {
                members[type].value = [members[type].value, "null"]
                schema = .object(members)
            }
            if let description = property.description { schema = Shape.describing(schema, description) }
            members.append((property.name, schema))
        }
        var schema: [(key: String, value: JSONValue)] = [
            ("type", "object"),
            ("properties", .object(members)),
            ("required", .array(properties.map { .string($0.name) })),
            ("additionalProperties", false),
        ]
        if let description { schema.append(("description", .string(description))) }
        return .object(schema)
    }
}
