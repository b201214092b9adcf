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
        return try Self.message(from: normalized)
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
        _ = try ShapeReader.check(json, shape)
    }
}
