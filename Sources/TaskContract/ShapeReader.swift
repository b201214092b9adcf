import Foundation
import JSONText

/// Reads JSON by a ``Shape``: every problem is reported (through ``RequestReader``, so the
/// messages are the gateway's usual ones), and what was accepted comes back normalised, ready
/// for the protobuf mapping: `null` members left out, undeclared keys of a dropping object
/// (the profile's) removed, every other member as given.
public enum ShapeReader {
    /// Decodes `body` as one JSON object of `shape` (undeclared keys refused); throws every
    /// problem found.
    public static func decode(_ body: Data, _ shape: ObjectShape) throws(RequestValidationError) -> JSONValue {
        try RequestReader.decode(body, keys: shape.properties.map(\.name)) { object, reader in
            Self.members(object, shape, reader)
        }
    }

    /// Checks an already parsed value against `shape` (an object whose undeclared keys are
    /// refused); throws every problem found.
    public static func check(_ value: JSONValue, _ shape: ObjectShape) throws(RequestValidationError) -> JSONValue {
        let reader = RequestReader()
        let normalized = Self.read(Field(path: .body, value: value), .object(shape), required: true, reader)
        if let error = reader.error { throw error }
        return normalized ?? .object([])
    }

    /// The value at `field` read as `shape`, or nil when it is absent (reported if `required`)
    /// or wrong (reported).
    public static func read(_ field: Field, _ shape: Shape, required: Bool, _ reader: RequestReader) -> JSONValue? {
        switch shape {
        case .named(_, let shape):
            return Self.read(field, shape, required: required, reader)
        case .string(let maxLength, let blankAllowed):
            guard field.value != nil else {
                if required { reader.report(field.path, "is required") }
                return nil
            }
            let text = reader.string(field, maxLength: maxLength, required: required && !blankAllowed)
            guard case .string? = field.value else { return nil }
            return .string(text)
        case .choice(let choices):
            let value = reader.choice(field, choices.map(\.value), required: required)
            return value.map { .string($0) }
        case .translated(let translation):
            return Self.read(field, translation.shape, required: required, reader)
        case .custom(let custom):
            guard field.value != nil else {
                if required { reader.report(field.path, "is required") }
                return nil
            }
            return custom.read(field, reader)
        case .boolean:
            guard let value = field.value else { return nil }
            guard case .bool = value else {
                reader.report(field.path, "must be a boolean")
                return nil
            }
            return value
        case .integer(let range):
            let issue = range == 0...Int64.max
                ? "must be a non-negative integer" : "must be an integer from \(range.lowerBound) to \(range.upperBound)"
            let integer = reader.integer(field, in: range, issue: issue)
            return integer.map { .integer($0) }
        case .array(let element, let maxItems):
            guard field.value != nil else {
                if required { reader.report(field.path, "is required") }
                return nil
            }
            guard case .array? = field.value else {
                reader.report(field.path, "must be an array")
                return nil
            }
            let items = reader.list(field, maxItems: maxItems) { item in
                Self.read(item, element, required: true, reader)
            }
            return .array(items)
        case .object(let object):
            guard let fields = reader.object(field, keys: object.properties.map(\.name), unknownKeys: object.unknownKeys, required: required)
            else { return nil }
            return Self.members(fields, object, reader)
        }
    }

    private static func members(_ fields: ObjectFields, _ shape: ObjectShape, _ reader: RequestReader) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        for property in shape.properties {
            let required = property.required || (shape.exactlyOneOf.contains(property.name) && fields.isGiven(property.name))
            if let value = Self.read(fields[property.name], property.shape, required: required, reader) {
                members.append((property.name, value))
            }
        }
        Self.checkExactlyOne(of: shape.exactlyOneOf, in: fields, reader)
        for rule in shape.rules {
            Self.check(rule, in: fields, reader)
        }
        return .object(members)
    }

    private static func check(_ rule: ObjectRule, in fields: ObjectFields, _ reader: RequestReader) {
        switch rule {
        case .notAllFalse(let names, let issue):
            if names.allSatisfy({ fields[$0].value == .bool(false) }) {
                reader.report(fields.path, issue)
            }
        case .onlyWhen(let member, let value, let members, let issue):
            // Only a valid other value breaks the rule: an invalid one is reported by its shape.
            guard case .string(let given)? = fields[member].value, given != value else { return }
            for name in members where fields[name].value != nil && fields[name].value != .string("") {
                reader.report(fields[name].path, issue)
            }
        }
    }

    /// Reports a group of alternatives with none or several of them given.
    private static func checkExactlyOne(of group: [String], in fields: ObjectFields, _ reader: RequestReader) {
        guard let first = group.first else { return }
        let given = group.filter(fields.isGiven)
        if given.isEmpty {
            let others = group.dropFirst().joined(separator: " or ")
            reader.report(fields[first].path, "is required, unless \(others) is given instead")
        }
        for extra in given.dropFirst() {
            reader.report(fields[extra].path, "must not be given together with \(given[0]): send exactly one")
        }
    }
}
