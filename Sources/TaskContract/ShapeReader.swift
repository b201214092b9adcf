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
        case .string(let maxLength):
            guard field.value != nil else {
                if required { reader.report(field.path, "is required") }
                return nil
            }
            let text = reader.string(field, maxLength: maxLength, required: required)
            guard case .string? = field.value else { return nil }
            return .string(text)
        case .boolean:
            guard let value = field.value else { return nil }
            guard case .bool = value else {
                reader.report(field.path, "must be a boolean")
                return nil
            }
            return value
        case .integer(let range):
            let integer = reader.integer(field, in: range, issue: "must be an integer from \(range.lowerBound) to \(range.upperBound)")
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
        return .object(members)
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
