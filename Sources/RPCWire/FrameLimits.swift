import NIOCore

/// Sizes of the framing layer.
public enum FrameLimits {
    /// Bytes of the length prefix in front of every frame: 4 (an unsigned 32-bit big-endian integer).
    public static let lengthPrefixBytes = 4
    /// The default largest frame body, length prefix excluded: 4 MiB.
    public static let defaultMaxFrameBytes = 4 * 1024 * 1024
}

extension ByteBuffer {
    /// Writes one frame: the body's length as a big-endian `UInt32`, then the body.
    @inlinable
    @discardableResult
    public mutating func writeFrame(body: some Collection<UInt8>) -> Int {
        let count = body.count
        precondition(count <= Int(UInt32.max), "frame body too large")
        var written = self.writeInteger(UInt32(count), endianness: .big)
        written += self.writeBytes(body)
        return written
    }
}

extension ByteBufferAllocator {
    /// A buffer holding exactly one frame with the given body.
    @inlinable
    public func frame(body: some Collection<UInt8>) -> ByteBuffer {
        var buffer = self.buffer(capacity: FrameLimits.lengthPrefixBytes + body.count)
        buffer.writeFrame(body: body)
        return buffer
    }
}
