import CareerProto
import CareerRPC
import CoachTasks
import Foundation
import GatewayStore
import GenerationTasks
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import RPCRuntime
import SwiftProtobuf
import TaskContract

/// The `/api/v1` endpoints: each decodes and validates its JSON body, makes one RPC to the
/// service that owns the task, and encodes the answer; the streaming ones answer as
/// Server-Sent Events when asked. The generation tasks come from their definitions
/// (``GenerationTaskRegistry``); the documents and the coach are listed here.
///
/// Every call, in order: body (413), decoding (400), `Idempotency-Key` (replay, 409, or wait for
/// a running duplicate), the user's rate limit for the task's tier (429), the RPC.
struct AIRoutes {
    let generation: RPCClient
    let coach: RPCClient
    let callTimeout: Duration
    /// Rate limits and idempotency keys, shared by the replicas through PostgreSQL.
    let limits: CallLimits
    let metrics: GatewayMetrics
    let pingInterval: Duration
    /// Saves answers and records the ledger; nil in tests of the routes alone.
    let persistence: Persistence?

    /// The paths served, relative to `/api/v1`; every one is a `POST`.
    static let paths = [DocumentsTask.path, "coach/chat"]
        + GenerationTaskRegistry.structuredTasks.map(\.path) + GenerationTaskRegistry.textTasks.map(\.path)

    func register(on api: RouterGroup<GatewayRequestContext>) {
        self.post(api, RouterPath(DocumentsTask.path), self.generation, GenerationMethods.generateDocuments,
                  stream: GenerationMethods.streamDocuments, shape: DocumentsTask.request, tier: DocumentsTask.tier,
                  record: .init(task: DocumentsTask.name, kind: Self.savedKind(DocumentsTask.name, saved: true)) { ResultTitle.words(DocumentsTask.title($0)) })
        // Coach turns are not saved (the frontend holds the conversation); a career path the
        // coach planned is, as a career path (see ``Persistence``).
        self.post(api, "coach/chat", self.coach, CoachMethods.chat, stream: CoachMethods.streamChat, shape: ChatRequestShape.chat, tier: { _ in .pro },
                  record: .init(task: "coachChat", kind: nil) { _ in "" })
        for task in GenerationTaskRegistry.structuredTasks {
            self.register(task, on: api)
        }
        for task in GenerationTaskRegistry.textTasks {
            self.register(task, on: api)
        }
    }

    /// A structured task's route, all of it derived from its definition.
    private func register(_ definition: some StructuredTaskDefinition, on api: RouterGroup<GatewayRequestContext>) {
        let task = definition.task
        self.post(
            api, RouterPath(task.path), self.generation, task.method, shape: task.request, tier: { _ in task.tier },
            record: .init(task: task.name, kind: Self.savedKind(task.name, saved: task.saved)) { ResultTitle.words(task.title($0)) }
        )
    }

    /// What a task's answers are saved as: its name, which the store must know.
    private static func savedKind(_ name: String, saved: Bool) -> ResultKind? {
        let kind = saved ? ResultKind(rawValue: name) : nil
        precondition(!saved || kind != nil, "task \(name) is saved, but the store has no kind of that name")
        return kind
    }

    /// A text task's route, all of it derived from its definition: the body read by its shape
    /// and mapped to its request message by the message's JSON names.
    private func register(_ definition: some TextTaskDefinition, on api: RouterGroup<GatewayRequestContext>) {
        let task = definition.task
        let kind = Self.savedKind(task.name, saved: task.saved)
        self.post(
            api, RouterPath(task.path), self.generation, task.method, stream: task.streamMethod,
            decode: { body throws(RequestValidationError) in try ShapeMapping.decode(body, task.request) },
            tier: { _ in task.tier },
            record: .init(task: task.name, kind: kind) { ResultTitle.words(task.title($0)) }
        )
    }

    /// What the ledger and the saved results know of an endpoint: its task name, what its answer
    /// is saved as (nil: not saved), and the saved item's title from the request.
    struct Record<Request>: Sendable {
        var task: String
        var kind: ResultKind?
        var title: @Sendable (Request) -> String
    }

    private func post<Request: SwiftProtobuf.Message & Sendable, Response: AnswerMessage, Event: APIStreamEventConvertible & SwiftProtobuf.Message>(
        _ api: RouterGroup<GatewayRequestContext>,
        _ path: RouterPath,
        _ client: RPCClient,
        _ method: RPCMethod<Request, Response>,
        stream streamMethod: RPCMethod<Request, Event>?,
        shape: RequestShape<Request>,
        tier: @escaping @Sendable (Request) -> ModelTier,
        record: Record<Request>
    ) {
        self.post(api, path, client, method, stream: streamMethod, decode: { body throws(RequestValidationError) in try shape.decode(body) }, tier: tier, record: record)
    }

    /// One endpoint: admission (body, decoding, `Idempotency-Key`, rate limit), then the RPC,
    /// answered as JSON or, when asked and the endpoint streams, as Server-Sent Events.
    ///
    /// Each phase is a function of its own, not inlined: an async function's frame holds every
    /// value of the code inlined into it, and the route's frame is held for as long as the call
    /// waits on the model (seconds, for every call in flight). As one closure it took 8.7 KB per
    /// call; the phases that are over give their memory back to the next one.
    private func post<Request: SwiftProtobuf.Message & Sendable, Response: AnswerMessage, Event: APIStreamEventConvertible & SwiftProtobuf.Message>(
        _ api: RouterGroup<GatewayRequestContext>,
        _ path: RouterPath,
        _ client: RPCClient,
        _ method: RPCMethod<Request, Response>,
        stream streamMethod: RPCMethod<Request, Event>?,
        decode: @escaping @Sendable (Data) throws(RequestValidationError) -> Request,
        tier: @escaping @Sendable (Request) -> ModelTier,
        record: Record<Request>
    ) {
        api.post(path) { request, context -> Hummingbird.Response in
            var request = request
            let streaming = streamMethod != nil && EventStream.isRequested(by: request.headers)
            let admitted: Admitted<Request>
            switch try await self.admit(&request, context, decode: decode, record: record, streaming: streaming) {
            case .replay(let response): return response
            case .proceed(let call): admitted = call
            }
            do {
                try await self.acquire(user: admitted.call.user, tier: tier(admitted.rpcRequest))
                if streaming, let streamMethod {
                    return try await self.stream(admitted, client, streamMethod, request, context)
                }
                return try await self.answer(admitted, client, method)
            } catch {
                self.failed(admitted, error, rpcMethod: (streaming ? streamMethod?.path : nil) ?? method.path)
                throw error
            }
        }
    }

    /// A call past its body, decoding and `Idempotency-Key`: what the later phases need.
    private struct Admitted<Request: Sendable>: Sendable {
        let rpcRequest: Request
        let call: Persistence.Call
        /// Settles the key on every path out: kept with the answer, or forgotten on failure.
        let settlement: TicketSettlement
        /// The call's ledger row: written once the call has ended for the user and the service
        /// has said what it spent (later, for a call the gateway gave up on).
        let ledger: LedgerEntry?
        let metadata: Metadata
    }

    private enum Admission<Request: Sendable> {
        /// An idempotent repeat, answered from the first answer.
        case replay(Hummingbird.Response)
        case proceed(Admitted<Request>)
    }

    @inline(never)
    private func admit<Request: Sendable>(
        _ request: inout Hummingbird.Request,
        _ context: GatewayRequestContext,
        decode: @Sendable (Data) throws(RequestValidationError) -> Request,
        record: Record<Request>,
        streaming: Bool
    ) async throws -> Admission<Request> {
        let started = ContinuousClock.now
        let body = try await Self.readBody(&request)
        let rpcRequest = try decode(body)
        let user = context.userID ?? AuthMiddleware.developmentUserID
        let call = Persistence.Call(
            task: record.task, kind: record.kind, title: { record.title(rpcRequest) }, user: user,
            requestID: context.requestID, started: started, streamed: streaming
        )
        var ticket: CallLimits.Ticket?
        if let key = try Self.idempotencyKey(request.headers) {
            let fingerprint = IdempotencyStore.Fingerprint(path: request.uri.path, body: body)
            do {
                switch try await self.limits.claim(user: user, key: key, fingerprint: fingerprint) {
                case .replay(let answer):
                    self.metrics.replays.increment()
                    self.persistence?.replayed(call)
                    context.logger.debug("idempotent replay")
                    return .replay(streaming ? EventStream.replay(answer) : Self.json(answer, replayed: true))
                case .proceed(let claimed):
                    ticket = claimed
                }
            } catch {
                throw APIErrorResponse(code: .aborted, message: "this Idempotency-Key was used for a different request", reason: "IDEMPOTENCY_KEY_REUSED")
            }
        }
        return .proceed(Admitted(
            rpcRequest: rpcRequest, call: call, settlement: TicketSettlement(ticket: ticket),
            ledger: self.persistence?.ledgerEntry(for: call), metadata: Self.metadata(context)
        ))
    }

    /// Every failure after admission: the key forgotten, the ledger told, the RPC error counted.
    @inline(never)
    private func failed<Request>(_ admitted: Admitted<Request>, _ error: any Error, rpcMethod: String) {
        admitted.settlement.forget()
        // Written only if a service settled the call: one never started (none reachable, a
        // 429 of our own) has no row.
        admitted.ledger?.end(.failed(APIErrorResponse.from(error)))
        if let error = error as? RPCError {
            self.metrics.recordRPCError(method: rpcMethod, code: error.code.name)
        }
    }

    private var callDeadline: NIODeadline {
        NIODeadline.now() + TimeAmount(self.callTimeout)
    }

    /// The unary RPC, its answer saved and returned as JSON.
    @inline(never)
    private func answer<Request, Response: AnswerMessage>(
        _ admitted: Admitted<Request>, _ client: RPCClient, _ method: RPCMethod<Request, Response>
    ) async throws -> Hummingbird.Response {
        let (response, _) = try await client.unaryReply(
            method, admitted.rpcRequest, metadata: admitted.metadata, deadline: self.callDeadline, settled: admitted.ledger?.settlement
        )
        var answer = response.jsonBody()
        if let persistence = self.persistence {
            let accounting = response.accounting
            admitted.ledger?.end(.answered(answerTokens: accounting.tokensByModel))
            answer = await persistence.finish(admitted.call, answer: answer, accounting: accounting)
        }
        admitted.settlement.keep(answer)
        return Self.json(answer)
    }

    /// The streaming RPC, answered once its first event (or a ping, when the model is still
    /// thinking after one ping interval) is there; an early failure stays a plain HTTP error.
    @inline(never)
    private func stream<Request, Event: APIStreamEventConvertible & SwiftProtobuf.Message>(
        _ admitted: Admitted<Request>, _ client: RPCClient, _ method: RPCMethod<Request, Event>,
        _ request: Hummingbird.Request, _ context: GatewayRequestContext
    ) async throws -> Hummingbird.Response {
        let events = try await client.serverStreaming(
            method, admitted.rpcRequest, metadata: admitted.metadata, deadline: self.callDeadline, settled: admitted.ledger?.settlement
        )
        let feed = EventFeed(events, pingInterval: self.pingInterval, on: context.eventLoop)
        let first = await feed.next()
        return try self.streamResponse(first: first, feed: feed, admitted, rpcMethod: method.path, request, context)
    }

    @inline(never)
    private func streamResponse<Request>(
        first: EventFeed.Item?, feed: EventFeed, _ admitted: Admitted<Request>, rpcMethod: String,
        _ request: Hummingbird.Request, _ context: GatewayRequestContext
    ) throws -> Hummingbird.Response {
        let opening: EventFeed.Item
        switch first {
        case .failed(let error)?:
            feed.close()
            throw error
        case .ended?, nil:
            feed.close()
            throw APIErrorResponse(code: .internal, message: "the service ended the stream without an answer", reason: "INCOMPLETE_STREAM")
        case let item?:
            opening = item  // an event, or a ping
        }
        let persistence = self.persistence
        let call = admitted.call
        let ledger = admitted.ledger
        let settlement = admitted.settlement
        // The coach's planned path is saved when its `action` event goes out, so the action
        // already carries `resultId`; `done` then carries the same one.
        let coachPath = NIOLockedValueBox(Persistence.CoachPathSave.notYet)
        let stream = EventStream(
            first: opening, feed: feed, requestID: context.requestID,
            logger: context.logger, metrics: self.metrics, rpcMethod: rpcMethod,
            finishSaved: { event in
                if let path = event.coachCareerPath {
                    let id = await persistence?.saveCoachCareerPath(path, for: call)
                    coachPath.withLockedValue { $0 = .attempted(id) }
                    guard let id else { return event.data }
                    return AnswerAccounting.adding(resultID: id, at: AnswerAccounting.careerPathInCoachAction, in: event.data) ?? event.data
                }
                ledger?.end(.answered(answerTokens: event.accounting?.tokensByModel ?? []))
                guard let persistence, let accounting = event.accounting else { return event.data }
                return await persistence.finish(call, answer: event.data, accounting: accounting, coachPath: coachPath.withLockedValue { $0 })
            },
            onDone: { settlement.keep($0) },
            onFailure: { error in
                settlement.forget()
                ledger?.end(.failed(error))
            }
        )
        return stream.response(for: request)
    }

    /// A unary endpoint whose body is read by its request's shape.
    private func post<Request, Response: AnswerMessage>(
        _ api: RouterGroup<GatewayRequestContext>,
        _ path: RouterPath,
        _ client: RPCClient,
        _ method: RPCMethod<Request, Response>,
        shape: RequestShape<Request>,
        tier: @escaping @Sendable (Request) -> ModelTier,
        record: Record<Request>
    ) {
        self.post(
            api, path, client, method, stream: RPCMethod<Request, Career_V1_TextStreamEvent>?.none,
            decode: { body throws(RequestValidationError) in try shape.decode(body) }, tier: tier, record: record
        )
    }

    private func acquire(user: String, tier: ModelTier) async throws(APIErrorResponse) {
        do throws(RateLimiter.Refusal) {
            try await self.limits.acquire(user: user, tier: tier)
        } catch {
            self.metrics.recordRateLimited(tier)
            let seconds = max(1, Int(error.retryAfter.components.seconds) + (error.retryAfter.components.attoseconds > 0 ? 1 : 0))
            throw APIErrorResponse(
                code: .resourceExhausted, message: "too many \(tier.rawValue) calls; try again in \(seconds) s",
                reason: "RATE_LIMITED", retryAfterSeconds: seconds
            )
        }
    }

    /// The body, refused with 413 when over the limit: by its declared length before anything
    /// is read, otherwise (a chunked body) as soon as the limit is passed, with no more than the
    /// limit buffered. Kept in `request` as its body (the way Hummingbird expects it, so an event
    /// stream can still watch the connection close). After a 413 Hummingbird reads and drops the
    /// rest of the body before the connection's next request, within `HTTP_BODY_TIMEOUT_SECONDS`.
    static func readBody(_ request: inout Request) async throws -> Data {
        let limit = GatewayConfiguration.maxBodyBytes
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw APIErrorResponse.bodyTooLarge
        }
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            // What collecting a body without a declared length throws past the limit.
            throw APIErrorResponse.bodyTooLarge
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIErrorResponse.bodyTooLarge
        }
    }

    /// The `Idempotency-Key`, when there is one: 1–255 visible ASCII characters, else 400.
    static func idempotencyKey(_ headers: HTTPFields) throws(APIErrorResponse) -> String? {
        let values = headers[values: .idempotencyKey]
        guard !values.isEmpty else { return nil }
        guard values.count == 1, let key = values.first, (1...255).contains(key.utf8.count),
              key.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else {
            throw APIErrorResponse(
                code: .invalidArgument, message: "the request is invalid", reason: "INVALID_REQUEST",
                details: [FieldViolation(field: "Idempotency-Key", issue: "must be one value of 1 to 255 visible ASCII characters")]
            )
        }
        return key
    }

    /// What travels with the RPC: the request id and the verified user, never the user's token.
    static func metadata(_ context: GatewayRequestContext) -> Metadata {
        var metadata = Metadata()
        metadata[Metadata.WellKnownKey.requestID] = context.requestID
        metadata[Metadata.WellKnownKey.userID] = context.userID
        return metadata
    }

    /// A JSON answer; `replayed` marks an idempotent repeat with `Idempotent-Replayed: true`.
    static func json(_ body: Data, status: HTTPResponse.Status = .ok, replayed: Bool = false) -> Hummingbird.Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if replayed { headers[.idempotentReplayed] = "true" }
        return Hummingbird.Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Settles an idempotency ticket exactly once: kept with the answer, or forgotten. Forgotten
/// also when dropped unsettled (a stream whose writer never ran), so a key never stays
/// "running" forever.
final class TicketSettlement: Sendable {
    private let ticket: NIOLockedValueBox<CallLimits.Ticket?>

    init(ticket: CallLimits.Ticket?) {
        self.ticket = NIOLockedValueBox(ticket)
    }

    func keep(_ answer: Data) {
        self.take()?.keep(answer)
    }

    func forget() {
        self.take()?.forget()
    }

    private func take() -> CallLimits.Ticket? {
        self.ticket.withLockedValue { ticket in
            defer { ticket = nil }
            return ticket
        }
    }

    deinit {
        self.forget()
    }
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}
