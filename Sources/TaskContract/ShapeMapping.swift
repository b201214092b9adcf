import Foundation
import JSONText
import SwiftProtobuf

/// Between a request body and its protobuf message, through the shape: a shape's member names
/// are the message's JSON field names (protobuf's JSON mapping: `job_description` is
/// `jobDescription`), so a body that passed the shape maps to the message by swift-protobuf's
/// JSON decoding, and a message received over the RPC is checked by the same shape after
/// swift-protobuf's JSON encoding. No hand-written mapping to drift.
public enum ShapeMapping {
    /// The message a body holds, or every problem with the body.
    public static func decode<Message: SwiftProtobuf.Message>(_ body: Data, _ shape: ObjectShape) throws(RequestValidationError) -> Message {
        let normalized = try ShapeReader.decode(body, shape)
        return try Self.message(from: Self.messageJSON(normalized, .object(shape)))
    }

    /// `value`, already checked by a shape, as a message.
    public static func message<Message: SwiftProtobuf.Message>(from value: JSONValue) throws(RequestValidationError) -> Message {
        do {
            return try Message(jsonUTF8Data: value.jsonData())
        } catch {
            // Only a shape naming a member the message lacks gets here: a definition's mistake,
            // which the registry's tests catch.
            throw RequestValidationError(violations: [FieldViolation(field: "", issue: "does not match the request message: \(error)")])
        }
    }

    /// Every problem with a message received over the RPC, by the shape the gateway reads its
    /// body with (other backend services call the services directly, past the gateway). An empty
    /// string or list is absent, as protobuf cannot tell them apart.
    public static func check(_ message: some SwiftProtobuf.Message, _ shape: ObjectShape) throws(RequestValidationError) {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: message.jsonUTF8Data())
        } catch {
            throw RequestValidationError(violations: [FieldViolation(field: "", issue: "could not be read: \(error)")])
        }
        _ = try ShapeReader.check(Self.bodyJSON(json, .object(shape)), shape)
    }

    /// A message written in the body's form with every member of `shape` present, in the
    /// shape's order (an empty text, list or object, `false` or 0 for what the message leaves
    /// out): an answer whose keys the frontend can rely on, stated by the same shape the
    /// requests are read by.
    public static func completeJSON(_ message: some SwiftProtobuf.Message, _ shape: Shape) -> JSONValue {
        let json = (try? JSONValue(parsing: message.jsonUTF8Data())) ?? .object([])
        return Self.complete(Self.bodyJSON(json, shape), shape)
    }

    private static func complete(_ value: JSONValue?, _ shape: Shape) -> JSONValue {
        switch shape {
        case .named(_, let shape): return Self.complete(value, shape)
        case .translated(let translation): return Self.complete(value, translation.shape)
        case .string: return value ?? ""
        case .boolean: return value ?? false
        case .integer: return value ?? 0
        case .choice(let choices): return value ?? .string(choices.first?.value ?? "")
        case .custom: return value ?? .null
        case .array(let element, _):
            guard case .array(let items)? = value else { return [] }
            return .array(items.map { Self.complete($0, element) })
        case .object(let object):
            let members: [(key: String, value: JSONValue)]
            if case .object(let given)? = value { members = given } else { members = [] }
            return .object(object.properties.map { property in
                let value = members.last { $0.key == property.name }?.value
                if property.nullWhenEmpty && value == nil { return (property.name, .null) }
                return (property.name, Self.complete(value, property.shape))
            })
        }
    }

    /// A body, as the reader normalised it, in the message's JSON form: choices as the enum's
    /// value names, translated members through their translation. A custom value is already in
    /// the message's form (its reader wrote it so).
    public static func messageJSON(_ value: JSONValue, _ shape: Shape) -> JSONValue {
        switch shape {
        case .string, .boolean, .integer, .custom:
            return value
        case .named(_, let shape):
            return Self.messageJSON(value, shape)
        case .choice(let choices):
            guard case .string(let text) = value, let choice = choices.first(where: { $0.value == text }) else { return value }
            return .string(choice.messageValue)
        case .translated(let translation):
            return translation.toMessage(Self.messageJSON(value, translation.shape))
        case .array(let element, _):
            guard case .array(let items) = value else { return value }
            return .array(items.map { Self.messageJSON($0, element) })
        case .object(let object):
            guard case .object(let members) = value else { return value }
            return .object(members.map { member in
                guard let property = object.properties.first(where: { $0.name == member.key }) else { return member }
                return (member.key, Self.messageJSON(member.value, property.shape))
            })
        }
    }

    /// A message's JSON in the body's form, the inverse of ``messageJSON(_:_:)``, so that the
    /// body's shape can check it. A required text that may be empty is put back when the
    /// message left it out (protobuf does not tell an empty string from an absent one).
    public static func bodyJSON(_ value: JSONValue, _ shape: Shape) -> JSONValue {
        switch shape {
        case .string, .boolean:
            return value
        case .integer:
            // Protobuf's JSON writes a 64-bit integer as a string ("12").
            if case .string(let text) = value, let integer = Int64(text) { return .integer(integer) }
            return value
        case .named(_, let shape):
            return Self.bodyJSON(value, shape)
        case .choice(let choices):
            guard case .string(let text) = value, let choice = choices.first(where: { $0.messageValue == text }) else { return value }
            return .string(choice.value)
        case .translated(let translation):
            return Self.bodyJSON(translation.fromMessage(value), translation.shape)
        case .custom(let custom):
            return custom.fromMessage(value)
        case .array(let element, _):
            guard case .array(let items) = value else { return value }
            return .array(items.map { Self.bodyJSON($0, element) })
        case .object(let object):
            guard case .object(var members) = value else { return value }
            members = members.map { member in
                guard let property = object.properties.first(where: { $0.name == member.key }) else { return member }
                return (member.key, Self.bodyJSON(member.value, property.shape))
            }
            for property in object.properties where property.required && !property.nullWhenEmpty
                && !members.contains(where: { $0.key == property.name }) {
                if case .string(_, blankAllowed: true) = property.shape.unnamed { members.append((property.name, "")) }
            }
            return .object(members)
        }
    }
}
