import NIOCore
import NIOEmbedded
import NIOTestUtils
import RPCWire
import Testing

@Suite struct FrameDecoderTests {
    private func frame(_ body: String) -> ByteBuffer {
        ByteBufferAllocator().frame(body: Array(body.utf8))
    }

    @Test func decodesFramesFedByteByByteAndManyPerBuffer() throws {
        let bodies = ["", "a", "hello", String(repeating: "x", count: 300), "Zoë 東京 🚀"]
        var stream = ByteBuffer()
        for body in bodies { stream.writeImmutableBuffer(self.frame(body)) }
        let expected = bodies.map { ByteBuffer(string: $0) }
        // The verifier feeds the input whole, byte by byte and in random splits.
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [(stream, expected)],
            decoderFactory: { FrameDecoder(maxFrameBytes: 1024) }
        )
    }

    @Test func refusesAnnouncedLengthOverTheLimitBeforeTheBodyArrives() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameBytes: 16)))
        var prefix = ByteBuffer()
        prefix.writeInteger(UInt32(17), endianness: .big)
        #expect(throws: FrameTooLargeError(announcedLength: 17, maxFrameBytes: 16)) {
            try channel.writeInbound(prefix)
        }
    }

    @Test func refusesMaximalLengthPrefix() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder()))
        let prefix = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: FrameTooLargeError(announcedLength: Int(UInt32.max), maxFrameBytes: FrameLimits.defaultMaxFrameBytes)) {
            try channel.writeInbound(prefix)
        }
    }

    @Test func acceptsAFrameExactlyAtTheLimit() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameBytes: 8)))
        try channel.writeInbound(ByteBufferAllocator().frame(body: Array(repeating: UInt8(7), count: 8)))
        let body = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(body.readableBytes == 8)
        _ = try channel.finish()
    }

    @Test func reportsAPartialFrameOncePerFrame() throws {
        final class EventRecorder: ChannelInboundHandler, @unchecked Sendable {
            typealias InboundIn = ByteBuffer
            var events: [FrameDecoderEvent] = []
            var frames = 0
            func channelRead(context: ChannelHandlerContext, data: NIOAny) { self.frames += 1 }
            func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
                if let event = event as? FrameDecoderEvent { self.events.append(event) }
            }
        }
        let recorder = EventRecorder()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([ByteToMessageHandler(FrameDecoder()), recorder])
        var whole = self.frame("abcdef")
        let head = whole.readSlice(length: 5)!
        try channel.writeInbound(head)
        #expect(recorder.events == [.partialFrameStarted])
        try channel.writeInbound(whole.readSlice(length: 2)!)
        #expect(recorder.events == [.partialFrameStarted])
        try channel.writeInbound(whole)
        #expect(recorder.frames == 1)
        try channel.writeInbound(self.frame("x").getSlice(at: 0, length: 2)!)
        #expect(recorder.events == [.partialFrameStarted, .partialFrameStarted])
        _ = try? channel.finish()
    }
}
