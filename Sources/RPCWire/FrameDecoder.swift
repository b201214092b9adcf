import NIOCore

/// Splits a byte stream into frames: a 4-byte big-endian unsigned length, then that many bytes.
///
/// The length is checked against ``maxFrameBytes`` as soon as its four bytes are readable, so a
/// peer announcing a huge frame is refused before anything is buffered or allocated for it.
///
/// Besides frames (the bytes after the length prefix, as a slice), the decoder reports
/// ``FrameDecoderEvent/partialFrameStarted`` as a user inbound event when bytes of a frame have
/// arrived but the frame is not complete, so a handler further down can time out peers that
/// start a frame and never finish it.
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// The largest frame body accepted, length prefix excluded.
    public let maxFrameBytes: Int
    private var reportedPartialFrame = false

    /// - Parameter maxFrameBytes: the largest frame body accepted (default 4 MiB).
    public init(maxFrameBytes: Int = FrameLimits.defaultMaxFrameBytes) {
        precondition(maxFrameBytes >= 0 && maxFrameBytes <= Int(UInt32.max))
        self.maxFrameBytes = maxFrameBytes
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self) else {
            self.reportPartialFrameIfNeeded(context: context, buffer: buffer)
            return .needMoreData
        }
        guard Int(length) <= self.maxFrameBytes else {
            throw FrameTooLargeError(announcedLength: Int(length), maxFrameBytes: self.maxFrameBytes)
        }
        guard let body = buffer.getSlice(at: buffer.readerIndex + FrameLimits.lengthPrefixBytes, length: Int(length)) else {
            self.reportPartialFrameIfNeeded(context: context, buffer: buffer)
            return .needMoreData
        }
        buffer.moveReaderIndex(forwardBy: FrameLimits.lengthPrefixBytes + Int(length))
        self.reportedPartialFrame = false
        context.fireChannelRead(Self.wrapInboundOut(body))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // Whole frames still buffered are delivered; a trailing partial frame is dropped with
        // the connection, as the peer can never complete it.
        while try self.decode(context: context, buffer: &buffer) == .continue {}
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }

    private mutating func reportPartialFrameIfNeeded(context: ChannelHandlerContext, buffer: ByteBuffer) {
        guard buffer.readableBytes > 0, !self.reportedPartialFrame else { return }
        self.reportedPartialFrame = true
        context.fireUserInboundEventTriggered(FrameDecoderEvent.partialFrameStarted)
    }
}

/// Events ``FrameDecoder`` reports alongside frames.
public enum FrameDecoderEvent: Sendable, Hashable {
    /// Bytes of a frame arrived and the frame is not complete yet. Reported once per frame; the
    /// frame's arrival (a channel read) means it completed.
    case partialFrameStarted
}

/// A peer announced a frame longer than the limit.
public struct FrameTooLargeError: Error, Hashable, CustomStringConvertible {
    public var announcedLength: Int
    public var maxFrameBytes: Int

    public init(announcedLength: Int, maxFrameBytes: Int) {
        self.announcedLength = announcedLength
        self.maxFrameBytes = maxFrameBytes
    }

    public var description: String {
        "frame of \(self.announcedLength) bytes exceeds the limit of \(self.maxFrameBytes) bytes"
    }
}
