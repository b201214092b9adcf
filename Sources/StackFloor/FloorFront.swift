import Hummingbird
import Logging
import NIOCore
import RPCProto
import RPCRuntime

/// The floor's front process: Hummingbird with two routes and no middleware. `POST /generate`
/// sends the body through the RPC hop and answers with what came back; `POST /stream` answers
/// with Server-Sent Events, each RPC message's bytes written and flushed as they arrive, then
/// `event: done` (a stream that fails before its first message is a 502). No token check, validation, limits, saving or logging: what the gateway's
/// shape costs before any of its work.
enum FloorFront {
    /// Most bytes read from a request body (the gateway's limit is of the same order).
    static let maxBodyBytes = 1 << 20
    static let done = ByteBuffer(string: "event: done\ndata: {}\n\n")

    static func backFailed(_ error: any Error) -> HTTPError {
        HTTPError(.badGateway, message: "the back process failed: \((error as? RPCError)?.message ?? "\(type(of: error))")")
    }

    static func router(back: RPCClient) -> Router<BasicRequestContext> {
        let router = Router()
        router.post("generate") { request, context -> Response in
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            let answer: Career_V1_CallMessage
            do {
                answer = try await back.unary(FloorMethods.generate, FloorMethods.message(body))
            } catch {
                throw Self.backFailed(error)
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.payload))
            )
        }
        router.post("stream") { request, context -> Response in
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            // The first message decides the status, as the gateway's first event does: an
            // upstream that fails before answering gets a 502, not an empty 200.
            let stream: RPCResponseStream<Career_V1_CallMessage>
            let first: Career_V1_CallMessage?
            do {
                stream = try await back.serverStreaming(FloorMethods.stream, FloorMethods.message(body))
                var messages = stream.makeAsyncIterator()
                first = try await messages.next()
            } catch {
                throw Self.backFailed(error)
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: ResponseBody { writer in
                    if let first { try await writer.write(ByteBuffer(bytes: first.payload)) }
                    // The rest of the same stream: its iterators share one reader.
                    for try await chunk in stream {
                        try await writer.write(ByteBuffer(bytes: chunk.payload))
                    }
                    try await writer.write(Self.done)
                    try await writer.finish(nil)
                }
            )
        }
        return router
    }
}
