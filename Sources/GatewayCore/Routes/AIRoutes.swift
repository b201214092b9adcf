import CareerProto
import CareerRPC
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RPCRuntime
import SwiftProtobuf

/// The `/api/v1` endpoints: each decodes and validates its JSON body, makes one RPC to the
/// service that owns the task, and encodes the answer. Adding an endpoint is one line here.
struct AIRoutes {
    let generation: RPCClient
    let coach: RPCClient
    let callTimeout: Duration

    func register(on api: RouterGroup<GatewayRequestContext>) {
        self.unary(api, "generate/documents", self.generation, GenerationMethods.generateDocuments)
        self.unary(api, "profile/parse", self.generation, GenerationMethods.parseProfile)
        self.unary(api, "analyze/application", self.generation, GenerationMethods.analyzeApplication)
        self.unary(api, "career/path", self.generation, GenerationMethods.planCareerPath)
        self.unary(api, "networking/brief", self.generation, GenerationMethods.networkingBrief)
        self.unary(api, "networking/reach-out", self.generation, GenerationMethods.reachOut)
        self.unary(api, "interview/questions", self.generation, GenerationMethods.interviewQuestions)
        self.unary(api, "coach/chat", self.coach, CoachMethods.chat)
    }

    private func unary<Request: APIRequest, Response: APIResponse>(
        _ api: RouterGroup<GatewayRequestContext>,
        _ path: RouterPath,
        _ client: RPCClient,
        _ method: RPCMethod<Request, Response>
    ) {
        let callTimeout = self.callTimeout
        api.post(path) { request, context -> Hummingbird.Response in
            let body = try await Self.readBody(request)
            let rpcRequest = try Request.decode(jsonBody: body)
            let answer = try await client.unary(
                method, rpcRequest,
                metadata: Self.metadata(context),
                deadline: .now() + TimeAmount(callTimeout)
            )
            return Self.json(answer.jsonBody())
        }
    }

    /// The body, refused with 413 when over the limit: by its declared length before anything
    /// is read, otherwise as soon as the limit is passed.
    static func readBody(_ request: Request) async throws -> Data {
        let limit = GatewayConfiguration.maxBodyBytes
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIErrorResponse.bodyTooLarge
        }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIErrorResponse.bodyTooLarge
        }
    }

    /// What travels with the RPC: the request id and the verified user, never the user's token.
    static func metadata(_ context: GatewayRequestContext) -> Metadata {
        var metadata = Metadata()
        metadata[Metadata.WellKnownKey.requestID] = context.requestID
        metadata[Metadata.WellKnownKey.userID] = context.userID
        return metadata
    }

    static func json(_ body: Data, status: HTTPResponse.Status = .ok) -> Hummingbird.Response {
        Hummingbird.Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
