import CareerProto
import CareerRPC
import GenerationTasks
import RPCRuntime
import ServiceRuntime

/// Asks the generation service for a career path over the RPC (`GENERATION_ADDR`): the coach's
/// one service-to-service call.
struct CareerPathPlanner: Sendable {
    let client: RPCClient

    /// Metadata passed on with the call, so the generation service logs it under the same
    /// request and user. The trace context is passed on as it came; with tracing on in the
    /// coach, the RPC client replaces it with its own call span's, so the generation service's
    /// span is a child of the coach's call (one trace across the three processes either way).
    static let forwardedMetadata = [
        Metadata.WellKnownKey.requestID, Metadata.WellKnownKey.userID,
        Metadata.WellKnownKey.traceparent, Metadata.WellKnownKey.tracestate,
    ]

    /// The path, within what is left of the chat call's deadline.
    func plan(profile: Career_V1_Profile, currentRole: String, targetRole: String, context: ServerCallContext) async throws -> Career_V1_CareerPathResponse {
        var metadata = Metadata()
        for key in Self.forwardedMetadata {
            if let value = context.metadata[key] { metadata[key] = value }
        }
        let request = Career_V1_CareerPathRequest.with {
            $0.profile = profile
            $0.currentRole = currentRole
            $0.targetRole = targetRole
        }
        // What the generation service spent is part of what this chat call spent, failed or
        // not: it goes into the chat call's status with the coach's own tokens.
        do {
            let reply = try await self.client.unaryReply(PlanCareerPathTask.definition.method, request, metadata: metadata, deadline: callDeadline(context))
            context.usage.add(reply.usage)
            return reply.response
        } catch let error as RPCError {
            context.usage.add(error.usage)
            throw error
        }
    }

    /// Why the path failed, in words the user can read (never the service's own message).
    static func reason(for error: any Error) -> String {
        switch (error as? RPCError)?.code {
        case .unavailable?: return "the career path planner is unavailable"
        case .deadlineExceeded?: return "planning took too long"
        case .resourceExhausted?: return "the career path planner is busy"
        case .failedPrecondition?: return "the plan was blocked by content filters"
        default: return "the career path planner ran into a problem"
        }
    }
}
