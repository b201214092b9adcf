import NIOCore
import NIOEmbedded
import RPCProto
import RPCRuntime
import RPCWire
import SwiftProtobuf

/// Fuzzes ``FrameDecoder`` and the frame envelope (`career.v1.Frame`) behind it.
///
/// Input: byte 0 picks the frame limit (``limits``), byte 1 the chunking (``Chunker``), the
/// rest is the byte stream a peer sends, fed to the decoder in those chunks through a NIO
/// pipeline. Checked against a plain reference splitter:
/// - the decoder delivers exactly the reference's frames, none larger than the limit;
/// - it fails only with ``FrameTooLargeError``, exactly when the reference meets a length prefix
///   over the limit, naming that length;
/// - `partialFrameStarted` is reported at most once per frame, and last when the stream ends
///   inside a frame;
/// - every frame body either decodes as a `career.v1.Frame` (through the runtime's own codec) that
///   survives re-encoding unchanged, or fails with a SwiftProtobuf decoding error.
public enum FrameDecoderHarness {
    public static let limits = [0, 1, 4, 16, 64, 255, 1024, FrameLimits.defaultMaxFrameBytes]

    public static func run(_ data: [UInt8]) {
        guard data.count >= 2 else { return }
        let maxFrameBytes = Self.limits[Int(data[0] & 7)]
        let stream = data[2...]
        let expected = Reference(stream, maxFrameBytes: maxFrameBytes)

        let recorder = Recorder()
        let channel = EmbeddedChannel()
        do {
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes)))
            try channel.pipeline.syncOperations.addHandler(recorder)
        } catch {
            fatalError("pipeline set-up failed: \(error)")
        }
        var caught: (any Error)?
        for chunk in Chunker(data[1]).chunks(of: stream) {
            do {
                try channel.writeInbound(ByteBuffer(bytes: chunk))
            } catch {
                caught = error
                break
            }
        }
        if caught == nil {
            do { _ = try channel.finish() } catch { caught = error }
        } else {
            _ = try? channel.finish(acceptAlreadyClosed: true)
        }

        // Frames and the error, against the reference.
        let frames = recorder.records.compactMap { record -> [UInt8]? in
            if case .frame(let bytes) = record { return bytes } else { return nil }
        }
        invariant(frames == expected.frames, "decoded \(frames.count) frames, the reference \(expected.frames.count)")
        for frame in frames {
            invariant(frame.count <= maxFrameBytes, "a frame of \(frame.count) bytes passed the limit of \(maxFrameBytes)")
        }
        if let announced = expected.tooLarge {
            let error = caught as? FrameTooLargeError
            invariant(
                error == FrameTooLargeError(announcedLength: announced, maxFrameBytes: maxFrameBytes),
                "expected FrameTooLargeError(\(announced), \(maxFrameBytes)), got \(String(describing: caught))"
            )
        } else {
            invariant(caught == nil, "unexpected error \(String(describing: caught))")
        }

        // Partial-frame events: once per frame at most; the last record when a frame is left
        // incomplete, never the last one when the stream ends on a frame boundary.
        for (previous, next) in zip(recorder.records, recorder.records.dropFirst()) {
            invariant(!(previous == .partial && next == .partial), "partialFrameStarted reported twice for one frame")
        }
        if expected.tooLarge == nil {
            invariant(
                (recorder.records.last == .partial) == expected.endsInsideFrame,
                "last record \(String(describing: recorder.records.last)), stream ends inside a frame: \(expected.endsInsideFrame)"
            )
        }

        for frame in frames { Self.checkEnvelope(frame) }
    }

    /// A frame body is a valid envelope that re-encodes to an equal one, or a typed error.
    static func checkEnvelope(_ body: [UInt8]) {
        let envelope: Career_V1_Frame
        do {
            envelope = try FrameCodec.decode(ByteBuffer(bytes: body))
        } catch is BinaryDecodingError {
            return
        } catch is SwiftProtobufError {
            return
        } catch {
            fatalError("fuzz invariant violated: frame decoding threw an untyped error: \(error)")
        }
        var encoded: ByteBuffer
        do {
            encoded = try FrameCodec.encode(envelope, allocator: ByteBufferAllocator())
        } catch {
            fatalError("fuzz invariant violated: a decoded frame does not encode: \(error)")
        }
        let length = encoded.readInteger(endianness: .big, as: UInt32.self)
        invariant(length.map(Int.init) == encoded.readableBytes, "re-encoded frame has a wrong length prefix")
        do {
            let again = try FrameCodec.decode(encoded)
            invariant(again == envelope, "frame changed through re-encoding: \(envelope) became \(again)")
        } catch {
            fatalError("fuzz invariant violated: a re-encoded frame does not decode: \(error)")
        }
    }

    /// The frames a correct decoder finds in the whole stream.
    struct Reference {
        var frames: [[UInt8]] = []
        /// The first length prefix over the limit, if any (the decoder stops there).
        var tooLarge: Int?
        var endsInsideFrame = false

        init(_ stream: ArraySlice<UInt8>, maxFrameBytes: Int) {
            var index = stream.startIndex
            while index < stream.endIndex {
                guard stream.endIndex - index >= 4 else {
                    self.endsInsideFrame = true
                    return
                }
                let length = stream[index..<index + 4].reduce(0) { $0 << 8 | Int($1) }
                guard length <= maxFrameBytes else {
                    self.tooLarge = length
                    return
                }
                guard stream.endIndex - index - 4 >= length else {
                    self.endsInsideFrame = true
                    return
                }
                self.frames.append(Array(stream[index + 4..<index + 4 + length]))
                index += 4 + length
            }
        }
    }

    enum Record: Equatable {
        case frame([UInt8])
        case partial
    }

    /// Records what the decoder passes down the pipeline.
    final class Recorder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        var records: [Record] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = Self.unwrapInboundIn(data)
            self.records.append(.frame(buffer.readBytes(length: buffer.readableBytes) ?? []))
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .some(.partialFrameStarted) = event as? FrameDecoderEvent {
                self.records.append(.partial)
            } else {
                context.fireUserInboundEventTriggered(event)
            }
        }
    }
}
