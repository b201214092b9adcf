import Foundation

/// Checks JSON values against JSON Schemas. It is the one checker for both dialects the
/// package writes schemas in:
///
/// - Gemini's OpenAPI subset (`responseSchema`, function `parameters`): `type` in capitals
///   (`OBJECT`, `STRING`, …), `nullable`, `properties`, `required`, `items`, `enum`,
///   `minItems`/`maxItems` (Gemini's int64 fields, which may come as strings: `"1"`),
///   `minimum`/`maximum`, `anyOf`. The services hold a model's answer to these: structured
///   output makes Gemini follow the schema, but not always.
/// - OpenAPI 3.1, that is JSON Schema 2020-12, as the gateway's document uses it: `$ref` into
///   the document, `type` as a list (`["string", "null"]`), `const`, `oneOf` (exactly one),
///   `anyOf`, `allOf`, `additionalProperties` (a boolean or a schema), `minLength`/`maxLength`,
///   `pattern`, and `true`/`false` as schemas. Tests hold real answers to the served document.
///
/// Type names compare case-insensitively. A type the checker does not know (Gemini's
/// `TYPE_UNSPECIFIED`) and every other keyword constrain nothing.
///
/// A violation names its place as a path from `$` (`$.questions[2].type`) and the rule it
/// breaks, never the value, so it is safe to log when the value is a model's output.
public struct JSONSchemaValidator: Sendable {
    /// What `$ref`s point into (`#/components/schemas/Profile`); without one, the schema a
    /// check starts from.
    public var document: JSONValue?
    /// Whether a member whose value is `null` counts as absent: a required one is then missing,
    /// and any other is not checked.
    public var nullMemberIsAbsent: Bool

    public init(document: JSONValue? = nil, nullMemberIsAbsent: Bool = false) {
        self.document = document
        self.nullMemberIsAbsent = nullMemberIsAbsent
    }

    /// For the schemas sent to Gemini: a model writes `null` for a property it has nothing for,
    /// which then counts as left out.
    public static let gemini = JSONSchemaValidator(nullMemberIsAbsent: true)

    /// Every way `value` breaks `schema`, in a fixed order; empty when it conforms.
    public func violations(of value: JSONValue, against schema: JSONValue, at path: String = "$") -> [String] {
        var run = Run(root: document ?? schema, nullMemberIsAbsent: nullMemberIsAbsent, limit: .max)
        run.check(value, against: schema, at: path)
        return run.found
    }

    /// The first of ``violations(of:against:at:)``, found without looking for the others;
    /// `nil` when `value` conforms.
    public func firstViolation(of value: JSONValue, against schema: JSONValue, at path: String = "$") -> String? {
        var run = Run(root: document ?? schema, nullMemberIsAbsent: nullMemberIsAbsent, limit: 1)
        run.check(value, against: schema, at: path)
        return run.found.first
    }

    /// What a local reference (`#/components/schemas/Profile`: `#` and a JSON Pointer) points to
    /// in ``document``.
    public func resolve(_ reference: String) -> JSONValue? {
        document.flatMap { Self.resolve(reference, in: $0) }
    }

    static func resolve(_ reference: String, in root: JSONValue) -> JSONValue? {
        guard reference.hasPrefix("#") else { return nil }
        var node = root
        for token in reference.dropFirst().split(separator: "/") {
            let name = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if case .array(let items) = node, let index = Int(name), items.indices.contains(index) {
                node = items[index]
            } else if let member = node[name] {
                node = member
            } else {
                return nil
            }
        }
        return node
    }
}

/// One check: the violations found so far, up to `limit`.
private struct Run {
    let root: JSONValue
    let nullMemberIsAbsent: Bool
    let limit: Int
    var found: [String] = []

    private var isDone: Bool { found.count >= limit }

    /// Whether `value` meets `schema`, for `oneOf` and `anyOf`: their branches' own violations
    /// are not the value's.
    private func holds(_ value: JSONValue, _ schema: JSONValue, at path: String) -> Bool {
        var probe = Run(root: root, nullMemberIsAbsent: nullMemberIsAbsent, limit: 1)
        probe.check(value, against: schema, at: path)
        return probe.found.isEmpty
    }

    /// `hops` counts `$ref`s followed without going deeper into the value, so that a reference
    /// cycle ends.
    mutating func check(_ value: JSONValue, against schema: JSONValue, at path: String, hops: Int = 0) {
        guard !isDone else { return }
        if case .bool(let allowed) = schema {
            if !allowed { found.append("\(path) is not allowed") }
            return
        }
        if value == .null, schema["nullable"] == .bool(true) { return }
        if let reference = schema["$ref"]?.stringValue {
            guard hops < 32, let target = JSONSchemaValidator.resolve(reference, in: root) else {
                found.append("\(path): cannot resolve \(reference)")
                return
            }
            check(value, against: target, at: path, hops: hops + 1)
        }
        if let type = schema["type"] {
            let names = (type.arrayValue ?? [type]).compactMap { $0.stringValue?.lowercased() }
            if !names.isEmpty, names.allSatisfy({ Self.typeNames[$0] != nil }), !names.contains(where: { Self.value(value, is: $0) }) {
                found.append("\(path) is not \(names.compactMap { Self.typeNames[$0] }.joined(separator: " or "))")
                return
            }
        }
        checkAlternatives(value, schema, path)
        switch value {
        case .number:
            let number = value.numberValue ?? 0
            if let minimum = Self.bound(schema["minimum"]), number < minimum { found.append("\(path) is below \(minimum)") }
            if let maximum = Self.bound(schema["maximum"]), number > maximum { found.append("\(path) is above \(maximum)") }
        case .string(let string):
            let length = string.unicodeScalars.count  // JSON Schema counts code points
            if let minimum = Self.count(schema["minLength"]), length < minimum { found.append("\(path) is shorter than \(minimum) characters") }
            if let maximum = Self.count(schema["maxLength"]), length > maximum { found.append("\(path) is longer than \(maximum) characters") }
            if let pattern = schema["pattern"]?.stringValue, !Self.matches(string, pattern: pattern) {
                found.append("\(path) does not match the pattern")
            }
        case .array(let items):
            if let minimum = Self.count(schema["minItems"]), items.count < minimum { found.append("\(path) has fewer than \(minimum) items") }
            if let maximum = Self.count(schema["maxItems"]), items.count > maximum { found.append("\(path) has more than \(maximum) items") }
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() { check(item, against: itemSchema, at: "\(path)[\(index)]") }
            }
        case .object:
            checkMembers(value, schema, path)
        case .null, .bool:
            break
        }
    }

    /// `const`, `enum`, `oneOf`, `anyOf` and `allOf`.
    private mutating func checkAlternatives(_ value: JSONValue, _ schema: JSONValue, _ path: String) {
        if let constant = schema["const"], !value.isEquivalent(to: constant) {
            found.append("\(path) is not the allowed value")
        }
        if let options = schema["enum"]?.arrayValue, !options.contains(where: value.isEquivalent) {
            found.append("\(path) is not one of the allowed values")
        }
        if let branches = schema["oneOf"]?.arrayValue {
            let matching = branches.count(where: { holds(value, $0, at: path) })
            if matching != 1 { found.append("\(path) matches \(matching) of the oneOf schemas, not exactly one") }
        }
        if let branches = schema["anyOf"]?.arrayValue, !branches.contains(where: { holds(value, $0, at: path) }) {
            found.append("\(path) matches none of the anyOf schemas")
        }
        for branch in schema["allOf"]?.arrayValue ?? [] { check(value, against: branch, at: path) }
    }

    /// `required`, `properties` and `additionalProperties`.
    private mutating func checkMembers(_ value: JSONValue, _ schema: JSONValue, _ path: String) {
        for case .string(let name) in schema["required"]?.arrayValue ?? [] {
            let member = value[name]
            if member == nil || (nullMemberIsAbsent && member == .null) { found.append("\(path).\(name) is missing") }
        }
        let properties = schema["properties"]
        let additional = schema["additionalProperties"]
        // By name, so that the first violation is the same however the members were ordered
        // (a decoder's order is not fixed); a name given twice counts with its last value.
        for (name, member) in value.uniqueMembersByName where !(nullMemberIsAbsent && member == .null) {
            if let property = properties?[name] {
                check(member, against: property, at: "\(path).\(name)")
            } else if let additional {
                check(member, against: additional, at: "\(path).\(name)")
            }
        }
    }

    /// The type names and how a violation names each.
    private static let typeNames = [
        "null": "null", "boolean": "a boolean", "integer": "an integer", "number": "a number",
        "string": "a string", "array": "an array", "object": "an object",
    ]

    private static func value(_ value: JSONValue, is type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("number", .number), ("string", .string), ("array", .array), ("object", .object):
            true
        case ("integer", .number):
            value.numberValue.map { $0.rounded() == $0 } ?? false
        default:
            false
        }
    }

    /// A numeric keyword: a number, or a string holding one (Gemini's int64 fields).
    private static func bound(_ keyword: JSONValue?) -> Double? {
        keyword?.numberValue ?? keyword?.stringValue.flatMap(Double.init)
    }

    private static func count(_ keyword: JSONValue?) -> Int? {
        keyword?.intValue ?? keyword?.stringValue.flatMap { Int($0) }
    }

    /// Whether `pattern` matches anywhere in `string`. Read by ICU (`NSRegularExpression`),
    /// which agrees with ECMA-262 on what schemas use (classes, `\uXXXX` escapes, anchors);
    /// Swift's `Regex` refuses some ranges the gateway's patterns have (`\u2000-\u200a`). A
    /// pattern that does not compile matches nothing, so the schema's mistake shows.
    private static func matches(_ string: String, pattern: String) -> Bool {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return false }
        return regex.firstMatch(in: string, range: NSRange(string.startIndex..., in: string)) != nil
    }
}
