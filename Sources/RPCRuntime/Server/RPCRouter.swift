import Logging
import Foundation
import SwiftProtobuf

/// The methods a server serves. Services register their handlers here; adding a method is one
/// `register` call.
public struct RPCRouter: Sendable {
    /// A type-erased handler: decodes the request bytes, runs, and sends serialized responses.
    typealias AnyHandler = @Sendable (
        _ request: Data, _ context: ServerCallContext, _ send: @escaping @Sendable ([UInt8]) throws -> Void
    ) async throws -> Void

    private(set) var handlers: [String: AnyHandler] = [:]

    public init() {}

    /// Registers a unary method.
    public mutating func register<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        handler: @escaping @Sendable (Request, ServerCallContext) async throws -> Response
    ) {
        precondition(method.kind == .unary, "\(method.path) is not unary")
        self.handlers[method.path] = { bytes, context, send in
            let request = try Self.decode(Request.self, from: bytes)
            let response = try await handler(request, context)
            try send(try response.serializedBytes())
        }
    }

    /// Registers a server-streaming method.
    public mutating func register<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        handler: @escaping @Sendable (Request, ResponseWriter<Response>, ServerCallContext) async throws -> Void
    ) {
        precondition(method.kind == .serverStreaming, "\(method.path) is not server-streaming")
        self.handlers[method.path] = { bytes, context, send in
            let request = try Self.decode(Request.self, from: bytes)
            let writer = ResponseWriter<Response> { response in try send(try response.serializedBytes()) }
            try await handler(request, writer, context)
        }
    }

    func handler(for path: String) -> AnyHandler? {
        self.handlers[path]
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
