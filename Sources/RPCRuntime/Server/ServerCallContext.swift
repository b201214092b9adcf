import Logging
import NIOCore

/// What a handler knows about its call.
public struct ServerCallContext: Sendable {
    /// The method path, e.g. `/career.v1.GenerationService/InterviewQuestions`.
    public var method: String
    public var metadata: Metadata
    /// When the caller stops waiting; nil when it gave no deadline. Pass it on to anything the
    /// handler waits for (the Gemini call, another RPC).
    public var deadline: NIODeadline?
    /// Carries `rpc.method` and `request.id` metadata.
    public var logger: Logger
    /// The model tokens the call spends: sent with its closing status, whatever the outcome.
    public let usage: CallUsage

    public init(method: String, metadata: Metadata, deadline: NIODeadline?, logger: Logger, usage: CallUsage = CallUsage()) {
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
        self.logger = logger
        self.usage = usage
    }

    /// The gateway's request id, when the caller sent one.
    public var requestID: String? { self.metadata[Metadata.WellKnownKey.requestID] }
}

/// Sends the responses of a server-streaming call.
public struct ResponseWriter<Response: Sendable>: Sendable {
    private let sendMessage: @Sendable (Response) async throws -> Void

    init(_ sendMessage: @escaping @Sendable (Response) async throws -> Void) {
        self.sendMessage = sendMessage
    }

    /// Sends one response to the caller, waiting while the connection's outbound buffer is
    /// full (a slow reader slows the producer down). Throws `CancellationError` once the call
    /// has ended (cancelled, past its deadline, or the connection closed), so a producer stops early.
    public func write(_ response: Response) async throws {
        try await self.sendMessage(response)
    }
}
