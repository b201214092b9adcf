import NIOCore
import RPCProto
import RPCWire
import SwiftProtobuf

/// Turns `Frame` messages into length-prefixed bytes and back.
///
/// `package`, not internal, so the frame fuzzer (`Sources/FuzzHarnesses`) decodes frame bodies
/// exactly as the client and server do.
package enum FrameCodec {
    /// The protocol version this runtime speaks (PROTOCOL.md).
    package static let protocolVersion: UInt32 = 1

    package static func encode(_ frame: Career_V1_Frame, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        let body: [UInt8] = try frame.serializedBytes()
        return allocator.frame(body: body)
    }

    package static func decode(_ body: ByteBuffer) throws -> Career_V1_Frame {
        try body.withUnsafeReadableBytes { bytes in
            try Career_V1_Frame(serializedBytes: bytes.bytes)
        }
    }
}

extension Career_V1_Frame {
    static func make(callID: UInt32, _ kind: Career_V1_Frame.OneOf_Kind) -> Career_V1_Frame {
        var frame = Career_V1_Frame()
        frame.callID = callID
        frame.kind = kind
        return frame
    }

    static func goAway(_ code: RPCError.Code, _ message: String, lastCallID: UInt32) -> Career_V1_Frame {
        var goAway = Career_V1_GoAway()
        goAway.code = Career_V1_StatusCode(rawValue: code.rawValue) ?? .unknown
        goAway.message = message
        goAway.lastCallID = lastCallID
        return .make(callID: 0, .goAway(goAway))
    }

    /// A call's closing status: OK when `error` is nil, with the tokens the call spent.
    static func status(callID: UInt32, _ error: RPCError?, usage: [Career_V1_ModelUsage] = []) -> Career_V1_Frame {
        var status = error?.callStatus ?? Career_V1_CallStatus()
        if !usage.isEmpty { status.usage = usage }
        return .make(callID: callID, .status(status))
    }
}

/// Compares two byte strings in time that depends only on their lengths, so a peer cannot learn
/// the token byte by byte from response timing.
func constantTimeEquals(_ expected: some Collection<UInt8>, _ presented: some Collection<UInt8>) -> Bool {
    // Every byte of the expected secret is compared whatever the presented length, so timing
    // says nothing about how much of it matched; a length mismatch alone makes them unequal.
    var difference: UInt8 = expected.count == presented.count ? 0 : 1
    var other = presented.makeIterator()
    for byte in expected {
        difference |= byte ^ (other.next() ?? ~byte)
    }
    return difference == 0
}
