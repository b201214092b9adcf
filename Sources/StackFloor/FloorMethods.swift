import Foundation
import NIOCore
import RPCProto
import RPCRuntime

/// The floor's one RPC hop: the HTTP body goes in as bytes and the upstream's answer comes back
/// as bytes, unread. The messages are the RPC envelope's own `CallMessage` (a payload field),
/// so the hop costs what framing and protobuf cost and nothing of a task's shape.
enum FloorMethods {
    static let generate = RPCMethod<Career_V1_CallMessage, Career_V1_CallMessage>(
        service: "floor.v1.Floor", name: "Generate", kind: .unary
    )
    static let stream = RPCMethod<Career_V1_CallMessage, Career_V1_CallMessage>(
        service: "floor.v1.Floor", name: "Stream", kind: .serverStreaming
    )

    static func message(_ bytes: ByteBuffer) -> Career_V1_CallMessage {
        var message = Career_V1_CallMessage()
        message.payload = Data(bytes.readableBytesView)
        return message
    }
}
