import GeminiAPI
import RPCRuntime

extension GeminiError: RPCErrorConvertible {
    /// The client's error as the RPC carries it: same code, same reason, the client's safe message.
    public var rpcError: RPCError {
        RPCError(
            code: RPCError.Code(name: self.code.name) ?? .internal,
            message: self.message,
            reason: self.reason,
            retryAfter: self.code == .resourceExhausted || self.code == .unavailable ? (self.retryDelay ?? .seconds(1)) : nil
        )
    }
}
