import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import RPCRuntime
import SwiftProtobuf

/// A streaming answer as Server-Sent Events.
///
/// The route starts the RPC and waits for its first event, at most one ``pingInterval``,
/// before answering, so that anything that fails quickly (the service down, the request
/// refused) is a plain HTTP error. When the model is still thinking after one ping interval, the
/// stream starts with a `: ping` rather than waiting on: a proxy with an idle timeout (Cloud
/// Run, nginx's 60 s) would otherwise cut a long-thinking pro call before its first byte. From
/// then on the answer is `200 text/event-stream`: each RPC event becomes one `event:`/`data:`
/// block, a `: ping` comment goes out every ``pingInterval`` until `done` or `error`, a
/// failure becomes one `error` event (`{"error": {…}}`) that ends the stream, and the stream
/// ends after `done`. When the client goes away (its side of the connection closes), the
/// writing task is cancelled, and with it the RPC and the Gemini call under it.
struct EventStream: Sendable {
    /// What opens the stream: the first event, or a ping when none came within an interval.
    let first: EventFeed.Item
    /// The RPC's events and the pings, after `first`.
    let feed: EventFeed
    let requestID: String
    let logger: Logger
    let metrics: GatewayMetrics
    let rpcMethod: String
    /// Turns an event that holds something to save (`done`; the coach's `saveCareerPath`
    /// action) into the data sent: saving adds `resultId`.
    let finishSaved: @Sendable (APIStreamEvent) async -> Data
    /// Called once with the `done` event's data as sent (the idempotency store keeps it).
    let onDone: @Sendable (Data) -> Void
    /// Called once when the stream ends without `done`: with the error sent, or nil when the
    /// client left.
    let onFailure: @Sendable (APIErrorResponse?) -> Void

    static let headers: HTTPFields = [
        .contentType: "text/event-stream",
        .cacheControl: "no-cache",
        // Tells nginx-style proxies not to buffer the stream.
        HTTPField.Name("X-Accel-Buffering")!: "no",
        // Hummingbird closes the connection once a stream that watches for the client leaving
        // ends; saying so keeps clients from sending their next request on it.
        .connection: "close",
    ]

    /// `200 text/event-stream` that writes the stream, cancelled when the client goes away.
    func response(for request: Request) -> Response {
        Response(status: .ok, headers: Self.headers, body: ResponseBody { writer in
            self.metrics.openStreams.increment()
            defer { self.metrics.openStreams.decrement() }
            var outcome = Outcome.clientLeft
            defer { self.finish(outcome) }
            outcome = try await request.body.consumeWithCancellationOnInboundClose { _ in
                try await self.write(to: &writer)
            }
            try await writer.finish(nil)
        })
    }

    /// A whole stream that is one `done` event: an idempotent repeat's answer.
    static func replay(_ answer: Data) -> Response {
        Response(status: .ok, headers: Self.headers, body: .init(byteBuffer: Self.frame(APIStreamEvent(name: APIStreamEvent.done, data: answer))))
    }

    private enum Outcome: Sendable {
        case done(Data)
        case failed(APIErrorResponse)
        case clientLeft
    }

    private func write(to writer: inout any ResponseBodyWriter) async throws -> Outcome {
        // However this ends, the RPC read and the pings stop with it.
        defer { self.feed.close() }
        var item: EventFeed.Item? = self.first
        while let current = item {
            switch current {
            case .ping:
                try await writer.write(Self.ping)
            case .event(var event):
                if event.name == APIStreamEvent.done || event.coachCareerPath != nil { event.data = await self.finishSaved(event) }
                try await writer.write(Self.frame(event))
                // Nothing follows `done`: a later failure changes nothing.
                if event.name == APIStreamEvent.done { return .done(event.data) }
            case .ended:
                let error = APIErrorResponse(code: .internal, message: "the service ended the stream without an answer", reason: "INCOMPLETE_STREAM")
                try await writer.write(self.errorFrame(error))
                return .failed(error)
            case .failed(let error):
                let apiError = APIErrorResponse.from(error)
                try await writer.write(self.errorFrame(apiError))
                return .failed(apiError)
            }
            item = await self.feed.next()
        }
        return .clientLeft  // the feed ended early: this task was cancelled
    }

    private func finish(_ outcome: Outcome) {
        switch outcome {
        case .done(let answer):
            self.onDone(answer)
            self.logger.info("stream ended", metadata: ["stream.outcome": "done"])
        case .failed(let error):
            self.onFailure(error)
            self.metrics.recordRPCError(method: self.rpcMethod, code: error.code.name)
            self.logger.info("stream ended", metadata: ["stream.outcome": "error", "rpc.code": "\(error.code.name)"])
        case .clientLeft:
            self.onFailure(nil)
            self.logger.info("stream ended", metadata: ["stream.outcome": "client_left"])
        }
    }

    private func errorFrame(_ error: APIErrorResponse) -> ByteBuffer {
        Self.frame(APIStreamEvent(name: "error", data: error.jsonBody(requestID: self.requestID)))
    }

    /// `event: <name>\ndata: <json>\n\n`. The JSON is compact, so it holds no raw line break
    /// and fits one `data:` line.
    static func frame(_ event: APIStreamEvent) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString("event: \(event.name)\ndata: ")
        buffer.writeBytes(event.data)
        buffer.writeString("\n\n")
        return buffer
    }

    static let ping = ByteBuffer(string: ": ping\n\n")

    /// True when the `Accept` header asks for `text/event-stream`.
    static func isRequested(by headers: HTTPFields) -> Bool {
        headers[values: .accept].contains { value in
            value.split(separator: ",").contains { item in
                item.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "text/event-stream"
            }
        }
    }
}

/// The rest of a streaming RPC's events, read by one task at a time: first by the route,
/// which waits for the first event, then by the stream writer.
///
/// `@unchecked Sendable` because the iterator inside is not: it is handed from the route to the
/// writer, never used by two tasks at once.
final class EventCursor: @unchecked Sendable {
    private let nextEvent: () async throws -> APIStreamEvent?

    init<Message: APIStreamEventConvertible & SwiftProtobuf.Message>(_ stream: RPCResponseStream<Message>) {
        var iterator = stream.makeAsyncIterator()
        self.nextEvent = {
            // Messages that carry no event (an empty `oneof`) are skipped.
            while let message = try await iterator.next() {
                if let event = message.apiStreamEvent { return event }
            }
            return nil
        }
    }

    /// The next event, or nil after the last.
    func next() async throws -> APIStreamEvent? {
        try await self.nextEvent()
    }
}

/// A streaming RPC's events and the stream's pings, merged into one sequence that one loop
/// reads: the route reads the first item (an event, or a ping when the model is slow to start),
/// then the stream writer reads the rest.
///
/// Two tasks feed it, one reading the RPC and one ticking every ping interval; ``close()`` (or
/// the reader being cancelled) stops both, and stopping the RPC reader cancels the RPC and the
/// Gemini call under it. `@unchecked Sendable` for the same reason as ``EventCursor``: the
/// iterator inside is used by one task at a time, handed from the route to the writer.
final class EventFeed: @unchecked Sendable {
    enum Item: Sendable {
        case event(APIStreamEvent)
        case ping
        case failed(any Error)
        case ended
    }

    private var iterator: AsyncStream<Item>.Iterator
    private let producers: [Task<Void, Never>]

    init(_ cursor: EventCursor, pingInterval: Duration) {
        let (items, sink) = AsyncStream<Item>.makeStream()
        self.iterator = items.makeAsyncIterator()
        let reader = Task {
            do {
                while let event = try await cursor.next() { sink.yield(.event(event)) }
                sink.yield(.ended)
            } catch {
                sink.yield(.failed(error))
            }
            sink.finish()
        }
        let ticker = Task {
            while (try? await Task.sleep(for: pingInterval)) != nil {
                sink.yield(.ping)
            }
        }
        self.producers = [reader, ticker]
        sink.onTermination = { _ in
            reader.cancel()
            ticker.cancel()
        }
    }

    /// The next item; nil once the feed is closed or the calling task is cancelled.
    func next() async -> Item? {
        await self.iterator.next()
    }

    /// Stops the RPC read (cancelling the RPC) and the pings. Idempotent.
    func close() {
        for producer in self.producers { producer.cancel() }
    }

    deinit {
        self.close()
    }
}
