import Logging
import Foundation
import SwiftProtobuf

/// The methods a server serves. Services register their handlers here; adding a method is one
/// `register` call.
public struct RPCRouter: Sendable {
    /// A type-erased handler: decodes the request bytes, runs, and sends serialized responses.
    typealias AnyHandler = @Sendable (_ request: Data, _ context: ServerCallContext, _ sink: MessageSink) async throws -> Void

    /// Where a handler's serialized responses go.
    struct MessageSink: Sendable {
        /// Queues a message without waiting: for a unary call's one response.
        var send: @Sendable ([UInt8]) throws -> Void
        /// Queues a message, then waits until the connection can take more, so a slow reader
        /// holds back a streaming producer instead of growing the server's memory.
        var sendPaced: @Sendable ([UInt8]) async throws -> Void
    }

    private(set) var handlers: [String: AnyHandler] = [:]

    /// Runs around every handler of this router (set it before serving), with the call's
    /// context: where a service sets up what all of its calls share, such as metering the
    /// model tokens a call spends into ``ServerCallContext/usage``.
    public var callScope: (@Sendable (ServerCallContext, _ handler: () async throws -> Void) async throws -> Void)?

    public init() {}

    /// Registers a unary method.
    public mutating func register<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        handler: @escaping @Sendable (Request, ServerCallContext) async throws -> Response
    ) {
        precondition(method.kind == .unary, "\(method.path) is not unary")
        self.handlers[method.path] = { bytes, context, sink in
            let request = try Self.decode(Request.self, from: bytes)
            let response = try await handler(request, context)
            try sink.send(try response.serializedBytes())
        }
    }

    /// Registers a server-streaming method.
    public mutating func register<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        handler: @escaping @Sendable (Request, ResponseWriter<Response>, ServerCallContext) async throws -> Void
    ) {
        precondition(method.kind == .serverStreaming, "\(method.path) is not server-streaming")
        self.handlers[method.path] = { bytes, context, sink in
            let request = try Self.decode(Request.self, from: bytes)
            let writer = ResponseWriter<Response> { response in try await sink.sendPaced(try response.serializedBytes()) }
            try await handler(request, writer, context)
        }
    }

    func handler(for path: String) -> AnyHandler? {
        guard let handler = self.handlers[path] else { return nil }
        guard let scope = self.callScope else { return handler }
        return { bytes, context, sink in
            try await scope(context) { try await handler(bytes, context, sink) }
        }
    }

    public var methodPaths: [String] { self.handlers.keys.sorted() }

    private static func decode<Request: SwiftProtobuf.Message>(_ type: Request.Type, from bytes: Data) throws -> Request {
        do {
            return try Request(serializedBytes: bytes)
        } catch {
            throw RPCError(code: .invalidArgument, message: "request is not a valid \(Request.protoMessageName)", reason: "MALFORMED_REQUEST")
        }
    }
}
