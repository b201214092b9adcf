import Logging

/// What every log line about a call carries, whichever task writes it and whichever logger it
/// writes with: the call's request id (the gateway's `X-Request-Id`, passed down the RPC as
/// `request-id`). Bound where a call starts (the gateway's request edge, a service's RPC call)
/// and inherited by the tasks under it, so that a line written deep in the Gemini client (a
/// retry, a fallback) names the request without a logger being threaded through by hand.
public enum CallLogContext {
    /// The request id of the call the current task works on.
    @TaskLocal public static var requestID: String?

    /// Adds `request.id` to every log line written while ``requestID`` is bound.
    public static let metadataProvider = Logger.MetadataProvider {
        guard let requestID = Self.requestID else { return [:] }
        return ["request.id": .string(requestID)]
    }
}
