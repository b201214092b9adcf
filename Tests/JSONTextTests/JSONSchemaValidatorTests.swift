import Foundation
import JSONText
import Testing

@Suite("Checking JSON against Gemini's schemas and OpenAPI 3.1's")
struct JSONSchemaValidatorTests {
    // MARK: Gemini's OpenAPI subset

    /// A `responseSchema` as the services send it: capital type names, `minItems` as Gemini's
    /// int64 may come (a string).
    private let answerSchema: JSONValue = [
        "type": "OBJECT",
        "properties": [
            "title": ["type": "STRING"],
            "level": ["type": "INTEGER", "minimum": 1, "maximum": 5],
            "score": ["type": "NUMBER", "minimum": 0.5],
            "tags": ["type": "ARRAY", "items": ["type": "STRING"], "minItems": "1", "maxItems": 2],
            "kind": ["type": "STRING", "enum": ["a", "b"]],
            "done": ["type": "BOOLEAN"],
            "note": ["type": "STRING", "nullable": true],
            "other": ["type": "TYPE_UNSPECIFIED"],
        ],
        "required": ["title", "tags"],
        "propertyOrdering": ["title", "level", "score", "tags", "kind", "done", "note", "other"],
    ]

    private func firstViolation(_ text: String) throws -> String? {
        JSONSchemaValidator.gemini.firstViolation(of: try parse(text), against: answerSchema)
    }

    @Test("a conforming answer passes; a null member counts as absent")
    func geminiConforming() throws {
        #expect(try firstViolation(#"{"title": "t", "level": 5, "score": 0.5, "tags": ["x"], "kind": "b", "done": false, "other": [1]}"#) == nil)
        #expect(try firstViolation(#"{"title": "t", "tags": ["x", "y"], "level": null, "kind": null, "note": null, "extra": {"any": 1}}"#) == nil)
        #expect(try firstViolation(#"{"title": "t", "tags": ["x"], "level": 3.0}"#) == nil)
    }

    @Test(
        "the first violation, by path, naming schema fields only",
        arguments: [
            (#"{"tags": ["x"]}"#, "$.title is missing"),
            (#"{"title": null, "tags": ["x"]}"#, "$.title is missing"),
            (#"[]"#, "$ is not an object"),
            (#"{"title": "t", "tags": []}"#, "$.tags has fewer than 1 items"),
            (#"{"title": "t", "tags": ["x", "y", "z"]}"#, "$.tags has more than 2 items"),
            (#"{"title": "t", "tags": ["x", 7]}"#, "$.tags[1] is not a string"),
            (#"{"title": "t", "tags": "x"}"#, "$.tags is not an array"),
            (#"{"title": "t", "tags": ["x"], "level": 2.5}"#, "$.level is not an integer"),
            (#"{"title": "t", "tags": ["x"], "level": "2"}"#, "$.level is not an integer"),
            (#"{"title": "t", "tags": ["x"], "level": 6}"#, "$.level is above 5.0"),
            (#"{"title": "t", "tags": ["x"], "score": 0.25}"#, "$.score is below 0.5"),
            (#"{"title": "t", "tags": ["x"], "kind": "secret value"}"#, "$.kind is not one of the allowed values"),
            (#"{"title": "t", "tags": ["x"], "done": "yes"}"#, "$.done is not a boolean"),
            // Required members first, then members by name, whatever their order in the text.
            (#"{"tags": ["x"], "level": 9, "done": 1}"#, "$.title is missing"),
            (#"{"title": "t", "tags": ["x"], "level": 9, "done": 1}"#, "$.done is not a boolean"),
        ])
    func geminiViolations(answer: String, expected: String) throws {
        #expect(try firstViolation(answer) == expected)
    }

    @Test("type names compare in any case; a path can start elsewhere")
    func typeNameCase() throws {
        let schema: JSONValue = ["type": "object", "properties": ["n": ["type": "Integer"]], "required": ["n"]]
        #expect(JSONSchemaValidator.gemini.firstViolation(of: ["n": "1"], against: schema, at: "args") == "args.n is not an integer")
        #expect(JSONSchemaValidator.gemini.firstViolation(of: ["n": 1], against: schema, at: "args") == nil)
    }

    // MARK: OpenAPI 3.1

    private let document: JSONValue = [
        "components": [
            "schemas": [
                "Answer": [
                    "type": "object",
                    "properties": [
                        "id": ["type": "string", "minLength": 1, "maxLength": 5, "pattern": "^[a-z\\u00e9]+$"],
                        "note": ["type": ["string", "null"]],
                        "item": ["$ref": "#/components/schemas/Item"],
                        "choice": ["oneOf": [["type": "integer"], ["type": "string", "const": "none"]]],
                        "alt": ["anyOf": [["$ref": "#/components/schemas/Item"], ["type": "null"]]],
                    ],
                    "required": ["id", "item"],
                    "additionalProperties": false,
                ],
                "Item": [
                    "type": "object",
                    "properties": ["name": ["type": "string"]],
                    "required": ["name"],
                    "additionalProperties": ["type": "integer"],
                ],
            ],
        ],
    ]

    private var validator: JSONSchemaValidator { JSONSchemaValidator(document: document) }
    private let answer: JSONValue = ["$ref": "#/components/schemas/Answer"]

    @Test("a conforming body, through $ref, with nullable members and either alternative")
    func openAPIConforming() throws {
        for body in [
            #"{"id": "abé", "item": {"name": "n", "count": 2}}"#,
            #"{"id": "a", "item": {"name": "n"}, "note": null, "choice": 3, "alt": null}"#,
            #"{"id": "a", "item": {"name": "n"}, "note": "x", "choice": "none", "alt": {"name": "m"}}"#,
        ] {
            #expect(validator.violations(of: try parse(body), against: answer).isEmpty, "\(body)")
        }
    }

    @Test("every violation, in a fixed order")
    func openAPIViolations() throws {
        let body = try parse(#"{"unknown": true, "note": 3, "item": {"extra": "x"}, "id": "ABCDEFG", "choice": 1.5, "alt": 7}"#)
        let expected = [
            "$.alt matches none of the anyOf schemas",
            "$.choice matches 0 of the oneOf schemas, not exactly one",
            "$.id is longer than 5 characters",
            "$.id does not match the pattern",
            "$.item.name is missing",
            "$.item.extra is not an integer",
            "$.note is not a string or null",
            "$.unknown is not allowed",
        ]
        #expect(validator.violations(of: body, against: answer) == expected)
        #expect(validator.firstViolation(of: body, against: answer) == expected.first)
    }

    @Test("a null member is a value to check unless the checker counts it absent")
    func nullMembers() throws {
        let body = try parse(#"{"id": "a", "item": null}"#)
        let schema = try #require(validator.resolve("#/components/schemas/Answer"))
        #expect(validator.violations(of: body, against: schema) == ["$.item is not an object"])
        let absent = JSONSchemaValidator(document: document, nullMemberIsAbsent: true)
        #expect(absent.violations(of: body, against: schema) == ["$.item is missing"])
    }

    @Test("oneOf means exactly one; const, enum, boolean schemas, unresolvable references")
    func otherKeywords() throws {
        let plain = JSONSchemaValidator()
        #expect(plain.violations(of: 3, against: ["oneOf": [["type": "integer"], ["type": "number"]]])
            == ["$ matches 2 of the oneOf schemas, not exactly one"])
        #expect(plain.violations(of: "some", against: ["const": "none"]) == ["$ is not the allowed value"])
        #expect(plain.violations(of: .number("1.0"), against: ["enum": [1, 2]]).isEmpty)
        #expect(plain.violations(of: ["b": 1, "a": 2], against: ["const": ["a": 2, "b": 1]]).isEmpty)
        #expect(plain.violations(of: [1], against: ["type": "array", "items": false]) == ["$[0] is not allowed"])
        #expect(plain.violations(of: [1], against: ["allOf": [["type": "array"], ["minItems": 2]]]) == ["$ has fewer than 2 items"])
        #expect(validator.violations(of: 1, against: ["$ref": "#/components/schemas/Nope"]) == ["$: cannot resolve #/components/schemas/Nope"])
        // Without a document, references point into the schema itself; a cycle ends.
        let recursive: JSONValue = ["$defs": ["node": ["type": "array", "items": ["$ref": "#/$defs/node"]]], "$ref": "#/$defs/node"]
        #expect(plain.violations(of: [[[]], []], against: recursive).isEmpty)
        #expect(plain.violations(of: [[1]], against: recursive) == ["$[0][0] is not an array"])
        #expect(plain.violations(of: 1, against: ["$ref": "#"]) == ["$: cannot resolve #"])
    }
}
