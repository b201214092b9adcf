import Foundation
import SwiftProtobuf

/// A request message's body shape: read from JSON by the gateway, checked on arrival by the
/// service.
public struct RequestShape<Message: SwiftProtobuf.Message & Sendable>: Sendable {
    public let shape: ObjectShape

    public init(_ shape: ObjectShape) {
        self.shape = shape
    }

    /// The message a JSON body holds, or every problem with the body.
    public func decode(_ body: Data) throws(RequestValidationError) -> Message {
        try ShapeMapping.decode(body, self.shape)
    }

    /// Every problem with a message received over the RPC.
    public func check(_ message: Message) throws(RequestValidationError) {
        try ShapeMapping.check(message, self.shape)
    }

    /// `ParseProfileRequest`: the schema's name in the API reference.
    public var messageName: String { String(Message.protoMessageName.split(separator: ".").last ?? "") }

    /// The message's name and shape, for the API reference.
    public var documented: (messageName: String, shape: ObjectShape) { (self.messageName, self.shape) }
}
