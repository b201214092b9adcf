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
/// ends after `done`. When the client goes away (its side of the connection closes), the feed
/// is closed, which ends the writer's wait and cancels the RPC and the Gemini call under it.
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
            // When the client's side closes, the feed is closed: the writer's wait ends, and
            // with it the RPC. One watching task, where `consumeWithCancellationOnInboundClose`
            // takes three.
            let feed = self.feed
            outcome = try await request.body.consumeWithInboundCloseHandler({ _ in
                try await self.write(to: &writer)
            }, onInboundClosed: { feed.close() })
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
        // This loop waits as long as the stream lasts, so its async frame is held that long, for
        // every open stream: the work between the waits is in plain functions (`step`), whose
        // locals stay on the thread's stack instead of in that frame.
        var item: EventFeed.Item? = self.first
        while let current = item {
            var step = Self.step(for: current, requestID: self.requestID)
            if let toSave = step.toSave { step = await self.saved(toSave) }
            try await Self.send(step.bytes, to: &writer)
            if let outcome = step.outcome { return outcome }
            item = await self.feed.next()
        }
        return .clientLeft  // the feed was closed early: the client left, or this task was cancelled
    }

    /// What one item of the feed writes, and whether the stream ends with it.
    private struct Step {
        var bytes = ByteBuffer()
        /// Set when the stream ends after `bytes`.
        var outcome: Outcome?
        /// An event that must be saved before it goes out (`done`; the coach's planned path):
        /// nothing is written until it has been.
        var toSave: APIStreamEvent?
    }

    @inline(never)
    private func saved(_ event: APIStreamEvent) async -> Step {
        Self.step(for: .event(event), requestID: self.requestID, savedAs: await self.finishSaved(event))
    }

    @inline(never)
    private static func send(_ bytes: ByteBuffer, to writer: inout any ResponseBodyWriter) async throws {
        try await writer.write(bytes)
    }

    @inline(never)
    private static func step(for item: EventFeed.Item, requestID: String, savedAs saved: Data? = nil) -> Step {
        switch item {
        case .ping:
            return Step(bytes: Self.ping)
        case .event(var event):
            guard saved != nil || (event.name != APIStreamEvent.done && event.coachCareerPath == nil) else {
                return Step(toSave: event)
            }
            if let saved { event.data = saved }
            // Nothing follows `done`: a later failure changes nothing.
            return Step(bytes: Self.frame(event), outcome: event.name == APIStreamEvent.done ? .done(event.data) : nil)
        case .ended:
            let error = APIErrorResponse(code: .internal, message: "the service ended the stream without an answer", reason: "INCOMPLETE_STREAM")
            return Step(bytes: Self.errorFrame(error, requestID: requestID), outcome: .failed(error))
        case .failed(let error):
            let apiError = APIErrorResponse.from(error)
            return Step(bytes: Self.errorFrame(apiError, requestID: requestID), outcome: .failed(apiError))
        }
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

    private static func errorFrame(_ error: APIErrorResponse, requestID: String) -> ByteBuffer {
        Self.frame(APIStreamEvent(name: "error", data: error.jsonBody(requestID: requestID)))
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

/// A streaming RPC's events and the stream's pings as one sequence, read by one task at a time:
/// first by the route, which waits for the first item (an event, or a ping when the model is
/// slow to start), then by the stream writer, which reads the rest.
///
/// No task of its own: the pings are an event-loop timer that wakes the reader's wait on the
/// RPC (see ``RPCResponseStream/wake()``). ``close()`` stops both, and cancels the RPC and the
/// Gemini call under it unless it has ended. `@unchecked Sendable` because the iterator inside
/// is used by one task at a time, handed from the route to the writer.
final class EventFeed: @unchecked Sendable {
    enum Item: Sendable {
        case event(APIStreamEvent)
        case ping
        case failed(any Error)
        case ended
    }

    private let nextItem: () async -> Item?
    private let stop: @Sendable () -> Void
    private let pings: RepeatedTask

    init<Message: APIStreamEventConvertible & SwiftProtobuf.Message>(
        _ stream: RPCResponseStream<Message>, pingInterval: Duration, on eventLoop: any EventLoop
    ) {
        var iterator = stream.makeAsyncIterator()
        var over = false
        self.nextItem = {
            guard !over else { return nil }
            // As in the stream writer, the work between waits is in a plain function, so this
            // closure's async frame (held while the model thinks) stays small.
            while true {
                let received: Result<RPCResponseStream<Message>.Received, any Error>
                do { received = .success(try await iterator.receive()) } catch { received = .failure(error) }
                switch Self.item(from: received) {
                case .skip: continue
                case .item(let item, let last):
                    over = last
                    return item
                }
            }
        }
        let interval = TimeAmount(pingInterval)
        self.pings = eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in stream.wake() }
        let pings = self.pings
        self.stop = {
            pings.cancel()
            stream.cancel()
        }
    }

    private enum Conversion {
        /// A message with no event in it (an empty `oneof`).
        case skip
        /// The item (nil once reading was cancelled), and whether the feed is over after it.
        case item(Item?, last: Bool)
    }

    @inline(never)
    private static func item<Message: APIStreamEventConvertible>(from received: Result<RPCResponseStream<Message>.Received, any Error>) -> Conversion {
        switch received {
        case .success(.message(let message)):
            guard let event = message.apiStreamEvent else { return .skip }
            return .item(.event(event), last: false)
        case .success(.woken): return .item(.ping, last: false)
        case .success(.ended): return .item(.ended, last: true)
        case .success(.cancelled): return .item(nil, last: true)
        case .failure(let error): return .item(.failed(error), last: true)
        }
    }

    /// The next item; nil once the feed is closed or the calling task is cancelled. After
    /// `.ended` or `.failed`, nil.
    @inline(never)
    func next() async -> Item? {
        await self.nextItem()
    }

    /// Stops the pings and the RPC read (cancelling the RPC unless it has ended). Idempotent,
    /// and safe from any thread: it is how the writer learns that the client left.
    @inline(never)
    func close() {
        self.stop()
    }

    deinit {
        self.close()
    }
}
