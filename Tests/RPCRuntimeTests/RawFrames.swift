import NIOCore
import RPCProto

/// Reads length-prefixed frames from a raw test connection until `stop` returns true for one
/// (or the connection closes), then closes it; returns every frame read.
func readFrames(
    _ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>,
    until stop: @escaping @Sendable (Career_V1_Frame) -> Bool
) async throws -> [Career_V1_Frame] {
    try await channel.executeThenClose { inbound, _ in
        var frames: [Career_V1_Frame] = []
        var buffer = ByteBuffer()
        for try await var chunk in inbound {
            buffer.writeBuffer(&chunk)
            while let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self),
                  buffer.readableBytes >= 4 + Int(length) {
                buffer.moveReaderIndex(forwardBy: 4)
                let frame = try Career_V1_Frame(serializedBytes: buffer.readBytes(length: Int(length))!)
                frames.append(frame)
                if stop(frame) { return frames }
            }
        }
        return frames
    }
}
