import Foundation
import JSONText
import TaskContract
import Testing

/// ``ShapeReader`` against the spec's conventions, and the JSON Schema that
/// ``Shape/jsonSchema(nullable:required:components:)`` writes for the same rules.
@Suite struct ShapeTests {
    static let item = Shape.named("Item", .object(ObjectShape(properties: [.optional("name", .string(maxLength: 3))], unknownKeys: .drop)))
    static let shape = ObjectShape(
        properties: [
            .required("title", .string(maxLength: 5)),
            .optional("note", .string(maxLength: 5)),
            .optional("flag", .boolean),
            .optional("level", .integer(0...10)),
            .optional("items", .array(of: item, maxItems: 2)),
        ],
        unknownKeys: .reject
    )

    func violations(_ json: String) -> [String] {
        do {
            _ = try ShapeReader.decode(Data(json.utf8), Self.shape)
            return []
        } catch {
            return error.violations.map(\.description)
        }
    }

    @Test func acceptsAndNormalises() throws {
        let value = try ShapeReader.decode(Data(#"{"title": "ab", "note": null, "level": 5.0, "items": [{"name": "x", "extra": 1}]}"#.utf8), Self.shape)
        // `null` left out, the unknown key of a dropping object removed, an integer written as
        // one (`5.0` is 5), the rest as given.
        #expect(value == ["title": "ab", "level": 5, "items": [["name": "x"]]])
    }

    @Test func reportsEveryProblemAtOnce() {
        let found = violations(#"{"note": "toolong", "flag": "yes", "level": 11, "items": [null, {"name": 1}, {}], "other": 1, "title": "a"}"#)
        #expect(found == [
            "other is not a known field",
            "note must be at most 5 characters (got 7)",
            "flag must be a boolean",
            "level must be an integer from 0 to 10",
            "items must have at most 2 items (got 3)",
            "items[0] must be an object",
            "items[1].name must be a string",
        ], "\(found)")
    }

    @Test(arguments: [
        (#"{}"#, "title is required"),
        (#"{"title": null}"#, "title is required"),
        (#"{"title": " \t\u3000"}"#, "title must not be empty"),
        (#"{"title": "a\u0000"}"#, "title must not contain the NUL character (\\u0000)"),
        (#"{"title": "a", "title": "b"}"#, "title is given more than once"),
        (#"[]"#, "must be a JSON object"),
    ])
    func refuses(json: String, expected: String) {
        #expect(violations(json) == [expected])
    }

    @Test func countsUnicodeScalars() {
        // Five scalars (an emoji with a skin tone is two) fit; six do not.
        #expect(violations(#"{"title": "ab👍🏽c"}"#).isEmpty)
        #expect(violations(#"{"title": "ab👍🏽cd"}"#) == ["title must be at most 5 characters (got 6)"])
        #expect(InputLimits.length(of: "👍🏽") == 2)
    }

    @Test func blankMeansUnicodeWhiteSpaceOnly() {
        #expect(" \t\n\u{0B}\u{0C}\r\u{85}\u{A0}\u{1680}\u{2000}\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}".isBlank)
        #expect(!"\u{200B}".isBlank)  // a zero-width space is not White_Space
        #expect(!"\u{1C}".isBlank)
        #expect("".isBlank)
    }

    @Test func writesTheSameRulesAsJSONSchema() throws {
        var components: [(key: String, value: JSONValue)] = []
        let schema = Shape.object(Self.shape).jsonSchema(nullable: false, components: &components)
        guard case .object(let members) = schema, case .object(let properties)? = members.first(where: { $0.key == "properties" })?.value
        else { Issue.record("not an object schema"); return }
        let property = { (name: String) in properties.first { $0.key == name }?.value }
        #expect(members.first { $0.key == "required" }?.value == ["title"])
        #expect(members.first { $0.key == "additionalProperties" }?.value == false)
        // Required: no null, at least one non-whitespace character; optional: null allowed.
        #expect(property("title") == [
            "type": "string", "minLength": 1, "maxLength": 5, "pattern": .string(Shape.requiredTextPattern),
            "description": "Must hold a character other than whitespace.",
        ])
        #expect(property("note") == ["type": ["string", "null"], "maxLength": 5, "pattern": .string(Shape.noNULPattern)])
        #expect(property("level") == ["type": ["integer", "null"], "minimum": 0, "maximum": 10])
        #expect(property("items") == ["type": ["array", "null"], "items": ["$ref": "#/components/schemas/Item"], "maxItems": 2])
        // The named shape is listed once, and says that unknown keys are dropped.
        #expect(components.map(\.key) == ["Item"])
        guard case .object(let item) = components[0].value else { Issue.record("Item is not an object schema"); return }
        #expect(!item.contains { $0.key == "additionalProperties" })
    }

    @Test func thePatternsSayWhatTheReaderDoes() throws {
        // The document's regular expressions, run by Foundation's engine (ICU, which reads
        // `\uXXXX` like ECMA-262 and Python), agree with the reader on NUL and blankness.
        let noNUL = try NSRegularExpression(pattern: Shape.noNULPattern)
        let requiredText = try NSRegularExpression(pattern: Shape.requiredTextPattern)
        func matches(_ expression: NSRegularExpression, _ text: String) -> Bool {
            expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
        for text in ["a", "a\u{0}b", "\u{0}", "line\nbreak", "é"] {
            #expect(matches(noNUL, text) == !text.unicodeScalars.contains("\u{0}"), "\(text.debugDescription)")
        }
        for text in [" ", "\t\n", "\u{3000}\u{A0}", "\u{85}", "\u{200B}", "\u{1C}", " a ", "\u{FEFF}", "x\ny", "a\u{0}"] {
            let expected = !text.isBlank && !text.unicodeScalars.contains("\u{0}")
            #expect(matches(requiredText, text) == expected, "\(text.debugDescription)")
        }
    }

    // MARK: Exactly one of two members (a message's `oneof`)

    static let alternatives = ObjectShape(
        properties: [.optional("profile", .object([.required("name", .string(maxLength: 9))])), .optional("text", .string(maxLength: 9))],
        unknownKeys: .reject,
        exactlyOneOf: ["profile", "text"]
    )

    @Test(arguments: [
        (#"{"text": "resume"}"#, [String]()),
        (#"{"profile": {"name": "Ada"}, "text": null}"#, []),
        (#"{}"#, ["profile is required, unless text is given instead"]),
        (#"{"profile": null, "text": null}"#, ["profile is required, unless text is given instead"]),
        (#"{"profile": {"name": "Ada"}, "text": "resume"}"#, ["text must not be given together with profile: send exactly one"]),
        // The one given is read as required: a blank text is refused.
        (#"{"text": "  "}"#, ["text must not be empty"]),
    ])
    func exactlyOneOfTheAlternatives(json: String, expected: [String]) {
        let found: [String]
        do {
            _ = try ShapeReader.decode(Data(json.utf8), Self.alternatives)
            found = []
        } catch {
            found = error.violations.map(\.description)
        }
        #expect(found == expected)
    }

    @Test func theAlternativesAreOneOfInTheSchema() {
        var components: [(key: String, value: JSONValue)] = []
        guard case .object(let schema) = Shape.object(Self.alternatives).jsonSchema(nullable: false, components: &components),
              case .array(let branches)? = schema.first(where: { $0.key == "anyOf" })?.value
        else {
            Issue.record("no anyOf")
            return
        }
        #expect(branches.count == 2)
        // Each branch needs its member present and not null (a null member is absent), and the
        // others absent or null, so the branches exclude each other.
        guard case .object(let textBranch) = branches[1] else { return }
        #expect(textBranch.first(where: { $0.key == "required" })?.value == ["text"])
        guard case .object(let properties)? = textBranch.first(where: { $0.key == "properties" })?.value,
              case .object(let text)? = properties.first(where: { $0.key == "text" })?.value
        else {
            Issue.record("no text in the branch")
            return
        }
        #expect(text.first(where: { $0.key == "type" })?.value == "string")
        // The member's own schema: null allowed (absent), a string not blank.
        guard case .object(let members)? = schema.first(where: { $0.key == "properties" })?.value,
              case .object(let textMember)? = members.first(where: { $0.key == "text" })?.value
        else { return }
        #expect(textMember.first(where: { $0.key == "type" })?.value == ["string", "null"])
        #expect(textMember.first(where: { $0.key == "minLength" })?.value == 1)
    }
}
