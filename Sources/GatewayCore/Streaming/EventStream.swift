import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import RPCRuntime
import SwiftProtobuf

/// A streaming answer as Server-Sent Events.
///
/// The route starts the RPC and waits for its first event before answering, so that anything
/// that fails before the stream starts (the service down, the request refused) is a plain HTTP
/// error. From then on the answer is `200 text/event-stream`: each RPC event becomes one
/// `event:`/`data:` block, a `: ping` comment goes out every ``pingInterval`` while nothing
/// else does, a failure becomes one `error` event (`{"error": {…}}`) that ends the stream, and
/// the stream ends after `done`. When the client goes away (its side of the connection
/// closes), the writing task is cancelled, and with it the RPC and the Gemini call under it.
struct EventStream: Sendable {
    /// Events still to come from the RPC, after the first one.
    typealias Cursor = EventCursor

    let first: APIStreamEvent
    let rest: Cursor
    let pingInterval: Duration
    let requestID: String
    let logger: Logger
    let metrics: GatewayMetrics
    let rpcMethod: String
    /// Called once with the `done` event's data (the idempotency store keeps it).
    let onDone: @Sendable (Data) -> Void
    /// Called once when the stream ends without `done`: failed, or the client left.
    let onFailure: @Sendable () -> Void

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

    private enum Item: Sendable {
        case event(APIStreamEvent)
        case ping
        case failed(any Error)
        case ended
    }

    private func write(to writer: inout any ResponseBodyWriter) async throws -> Outcome {
        try await writer.write(Self.frame(self.first))
        if self.first.name == APIStreamEvent.done { return .done(self.first.data) }
        let (items, sink) = AsyncStream<Item>.makeStream()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            // The RPC's events and the pings meet in one stream, so that one loop writes.
            group.addTask {
                do {
                    while let event = try await self.rest.next() { sink.yield(.event(event)) }
                    sink.yield(.ended)
                } catch {
                    sink.yield(.failed(error))
                }
                sink.finish()
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: self.pingInterval)
                    sink.yield(.ping)
                }
            }
            defer { group.cancelAll() }
            var answer: Data?
            for await item in items {
                switch item {
                case .ping:
                    try await writer.write(Self.ping)
                case .event(let event):
                    guard answer == nil else { continue }  // nothing follows `done`
                    try await writer.write(Self.frame(event))
                    if event.name == APIStreamEvent.done { answer = event.data }
                case .ended:
                    if let answer { return .done(answer) }
                    let error = APIErrorResponse(code: .internal, message: "the service ended the stream without an answer", reason: "INCOMPLETE_STREAM")
                    try await writer.write(self.errorFrame(error))
                    return .failed(error)
                case .failed(let error):
                    if let answer { return .done(answer) }  // a failure after `done` changes nothing
                    let apiError = APIErrorResponse.from(error)
                    try await writer.write(self.errorFrame(apiError))
                    return .failed(apiError)
                }
            }
            return .clientLeft  // the items ended early: this task was cancelled
        }
    }

    private func finish(_ outcome: Outcome) {
        switch outcome {
        case .done(let answer):
            self.onDone(answer)
            self.logger.info("stream ended", metadata: ["stream.outcome": "done"])
        case .failed(let error):
            self.onFailure()
            self.metrics.recordRPCError(method: self.rpcMethod, code: error.code.name)
            self.logger.info("stream ended", metadata: ["stream.outcome": "error", "rpc.code": "\(error.code.name)"])
        case .clientLeft:
            self.onFailure()
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
