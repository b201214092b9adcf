import Atomics
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RPCProto
import ServiceLifecycle
import SwiftProtobuf
import Tracing

/// Calls one service, balanced over its replicas.
///
/// The target names the replicas: a comma-separated `host:port` list, or a DNS name with
/// several addresses (looked up again every ``RPCClientConfiguration/resolveInterval``). Calls
/// go round-robin to replicas that are connected and pass their health checks; a unary call
/// that could not start on one replica (connection refused, server draining) is tried on the
/// next (a streaming call reports that through its stream); when no replica is up the call
/// fails at once with `UNAVAILABLE`.
///
/// Run the client in a `ServiceGroup` (or call ``run()``) so that it checks health, reconnects
/// with backoff and follows DNS; calls work without it, connecting on demand.
public final class RPCClient: Service, Sendable {
    /// The target as configured, for logs and `/readyz`.
    public let target: String
    private let entries: [EndpointResolver.HostPort]
    private let configuration: RPCClientConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let subchannels: NIOLockedValueBox<[Subchannel]>
    private let nextPick = ManagedAtomic(0)
    private let retiring = NIOLockedValueBox<[Subchannel]>([])

    public init(
        target: String,
        configuration: RPCClientConfiguration,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        self.target = target
        self.entries = try EndpointResolver.parse(target)
        self.configuration = configuration
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
        let addresses = EndpointResolver.resolve(self.entries)
        self.subchannels = NIOLockedValueBox(addresses.map {
            Subchannel(address: $0, configuration: configuration, eventLoopGroup: eventLoopGroup)
        })
    }

    // MARK: Calls

    /// Makes a unary call.
    public func unary<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ request: Request,
        metadata: Metadata = [:],
        deadline: NIODeadline? = nil
    ) async throws -> Response {
        try await self.unaryReply(method, request, metadata: metadata, deadline: deadline).response
    }

    /// Told once, when the service is done with a call, the model tokens its closing status
    /// reported (PROTOCOL.md section 7): as the status ends the call; for a call this client
    /// cancelled or saw pass its deadline, when the service's status for it comes (its cancel
    /// asks for one), or with nothing after ``ClientConnectionHandler/settleGrace`` or when the
    /// connection is lost. Never told for a call no service started (thrown as `NOT_STARTED`
    /// or as no replica reachable). So a caller can account for every call, abandoned ones too.
    public typealias Settled = @Sendable ([Career_V1_ModelUsage]) -> Void

    /// Makes a unary call, and returns with its response the model tokens its status reported
    /// (a failure's are in the thrown ``RPCError/usage``).
    public func unaryReply<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ request: Request,
        metadata: Metadata = [:],
        deadline: NIODeadline? = nil,
        settled: Settled? = nil
    ) async throws -> (response: Response, usage: [Career_V1_ModelUsage]) {
        let payload = try Self.serialize(request)
        let (span, metadata) = RPCTracing.startClientSpan(method.path, metadata: metadata)
        do {
            let reply = try await self.withConnection(deadline: deadline) { connection in
                try await connection.unary(method: method.path, metadata: metadata, deadline: deadline, payload: payload, settled: settled)
            }
            let response = try Self.deserialize(Response.self, from: reply.payload)
            RPCTracing.finish(span, outcome: nil, side: .client)
            return (response, reply.usage)
        } catch {
            RPCTracing.finish(span, outcome: RPCError.describing(error), side: .client)
            throw error
        }
    }

    /// Starts a server-streaming call. A failure to reach any replica throws here; everything
    /// after (including the service refusing the request) comes through the stream.
    public func serverStreaming<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ request: Request,
        metadata: Metadata = [:],
        deadline: NIODeadline? = nil,
        settled: Settled? = nil
    ) async throws -> RPCResponseStream<Response> {
        let payload = try Self.serialize(request)
        let (span, metadata) = RPCTracing.startClientSpan(method.path, metadata: metadata)
        do {
            let stream = try await self.withConnection(deadline: deadline) { connection in
                try connection.serverStreaming(method: method.path, metadata: metadata, deadline: deadline, payload: payload, settled: settled)
            }
            return RPCResponseStream(stream, span: StreamSpan(span))
        } catch {
            RPCTracing.finish(span, outcome: RPCError.describing(error), side: .client)
            throw error
        }
    }

    private func withConnection<T>(
        deadline: NIODeadline?,
        _ body: (ClientConnection) async throws -> T
    ) async throws -> T {
        var lastError: RPCError?
        // A call that never started can go elsewhere: one try per replica, plus one on a fresh
        // connection for when the only replica's connection had just closed.
        for _ in 0...self.currentSubchannels.count {
            let connection = try await self.pickConnection()
            do {
                return try await body(connection)
            } catch let error as RPCError where error.reason == "NOT_STARTED" {
                lastError = error
                if let deadline, deadline <= .now() { break }
                continue
            }
        }
        throw lastError ?? Self.noReplica(self.target)
    }

    private var currentSubchannels: [Subchannel] { self.subchannels.withLockedValue { $0 } }

    private func pickConnection() async throws -> ClientConnection {
        let subchannels = self.currentSubchannels
        guard !subchannels.isEmpty else { throw Self.noReplica(self.target) }
        let start = self.nextPick.loadThenWrappingIncrement(ordering: .relaxed)
        for offset in 0..<subchannels.count {
            let index = (start &+ offset) % subchannels.count
            if let connection = subchannels[index < 0 ? index + subchannels.count : index].readyConnection {
                return connection
            }
        }
        // Nothing ready: connect to a replica that is not backing off, if any.
        for subchannel in subchannels where subchannel.mayConnectNow {
            if let connection = try? await subchannel.connect() { return connection }
        }
        throw Self.noReplica(self.target)
    }

    private static func noReplica(_ target: String) -> RPCError {
        RPCError(code: .unavailable, message: "no replica of the service is reachable", reason: "SERVICE_UNAVAILABLE", retryAfter: .seconds(1))
    }

    private static func serialize(_ message: some SwiftProtobuf.Message) throws -> Data {
        do {
            return try message.serializedBytes()
        } catch {
            throw RPCError(code: .internal, message: "request could not be encoded", cause: error)
        }
    }

    @inline(never)
    fileprivate static func deserialize<Response: SwiftProtobuf.Message>(_ type: Response.Type, from bytes: Data) throws -> Response {
        do {
            return try Response(serializedBytes: bytes)
        } catch {
            throw RPCError(code: .internal, message: "the service sent a malformed \(Response.protoMessageName)", cause: error)
        }
    }

    // MARK: Health

    /// Each replica and whether it is ready, for `/readyz`.
    public var replicas: [(address: String, ready: Bool)] {
        self.currentSubchannels.map { ($0.address.description, $0.isReady) }
    }

    /// True when at least one replica is connected and healthy.
    public var isReady: Bool { self.currentSubchannels.contains { $0.isReady } }

    /// Checks every replica once now (normally ``run()`` does this periodically).
    public func checkHealthNow() async {
        let timeout = self.configuration.healthCheckTimeout
        await withTaskGroup(of: Void.self) { group in
            for subchannel in self.currentSubchannels {
                group.addTask {
                    await subchannel.checkHealth { connection in
                        let deadline = NIODeadline.now() + TimeAmount(timeout)
                        let reply = try await connection.unary(
                            method: HealthMethods.check.path,
                            metadata: [:],
                            deadline: deadline,
                            payload: try Career_V1_HealthCheckRequest().serializedBytes()
                        )
                        return try Career_V1_HealthCheckResponse(serializedBytes: reply.payload).status == .serving
                    }
                }
            }
        }
    }

    /// Waits until a replica is ready or the timeout passes; true when one is.
    public func waitUntilReady(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if self.isReady { return true }
            await self.checkHealthNow()
            if self.isReady { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return self.isReady
    }

    /// Checks health, reconnects and re-resolves until graceful shutdown, then closes every
    /// connection.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastResolve = ContinuousClock.now
            while !Task.isCancelled {
                await self.checkHealthNow()
                if ContinuousClock.now - lastResolve >= self.configuration.resolveInterval {
                    lastResolve = ContinuousClock.now
                    self.refreshAddresses()
                }
                self.closeIdleRetiredReplicas()
                try? await Task.sleep(for: self.configuration.healthCheckInterval)
            }
        }
        self.shutDown()
    }

    /// Closes every connection; calls after this fail with `UNAVAILABLE`.
    public func shutDown() {
        for subchannel in self.currentSubchannels + self.retiring.withLockedValue({ $0 }) { subchannel.shutDown() }
    }

    private func refreshAddresses() {
        let addresses = EndpointResolver.resolve(self.entries)
        guard !addresses.isEmpty else { return }  // keep what we have when DNS fails
        let retired: [Subchannel] = self.subchannels.withLockedValue { subchannels in
            let wanted = Set(addresses.map(\.description))
            let kept = subchannels.filter { wanted.contains($0.address.description) }
            let known = Set(kept.map(\.address.description))
            let added = addresses.filter { !known.contains($0.description) }.map {
                Subchannel(address: $0, configuration: self.configuration, eventLoopGroup: self.eventLoopGroup)
            }
            let retired = subchannels.filter { !wanted.contains($0.address.description) }
            subchannels = kept + added
            return retired
        }
        for subchannel in retired {
            self.logger.debug("rpc replica gone from DNS", metadata: ["rpc.replica": "\(subchannel.address)"])
        }
        self.retiring.withLockedValue { $0.append(contentsOf: retired) }
    }

    /// Replicas gone from DNS keep their calls in flight (a terminating pod leaves DNS while it
    /// drains); each is closed once its last call has ended.
    private func closeIdleRetiredReplicas() {
        let idle: [Subchannel] = self.retiring.withLockedValue { retiring in
            let idle = retiring.filter { $0.inFlight == 0 }
            retiring.removeAll { $0.inFlight == 0 }
            return idle
        }
        for subchannel in idle { subchannel.shutDown() }
    }
}

/// The responses of a server-streaming call. Ends normally after an OK status; throws the
/// call's ``RPCError`` otherwise. Dropping it (and its iterators) cancels the call.
///
/// Besides iterating, a reader that also works on a timer (a gateway's Server-Sent Events ping)
/// can ``wake()`` its own wait and ``receive()`` the wake-up, and ``cancel()`` the call from
/// anywhere: one task serves the whole stream.
public struct RPCResponseStream<Response: SwiftProtobuf.Message & Sendable>: AsyncSequence, Sendable {
    public typealias Element = Response
    private let reader: ResponseFramesReader
    private let span: StreamSpan

    init(_ frames: ResponseFrames, span: StreamSpan) {
        self.reader = ResponseFramesReader(frames)
        self.span = span
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(reader: self.reader, span: self.span)
    }

    /// Makes the reader's current wait, or its next one, return ``Received/woken``.
    public func wake() {
        self.reader.frames.wake()
    }

    /// Stops the call, as a cancelled reader does: the service is told, and the current or
    /// next wait returns ``Received/cancelled``. Nothing happens once the call has ended.
    public func cancel() {
        self.reader.frames.cancel()
    }

    /// What one wait of ``Iterator/receive()`` brings.
    public enum Received: Sendable {
        case message(Response)
        /// ``RPCResponseStream/wake()`` was called.
        case woken
        /// The call ended with an OK status.
        case ended
        /// The reader stopped: its task was cancelled, or ``RPCResponseStream/cancel()``.
        case cancelled
    }

    public struct Iterator: AsyncIteratorProtocol {
        let reader: ResponseFramesReader
        let span: StreamSpan

        /// The next response; nil after the last, or once reading was cancelled. Wake-ups are
        /// skipped.
        public mutating func next() async throws -> Response? {
            while true {
                switch try await self.receive() {
                case .message(let response): return response
                case .woken: continue
                case .ended, .cancelled: return nil
                }
            }
        }

        /// The next response, wake-up or end; throws the call's error.
        @inline(never)
        public mutating func receive() async throws -> Received {
            do {
                switch try await self.reader.frames.next() {
                case .payload(let bytes):
                    return .message(try RPCClient.deserialize(Response.self, from: bytes))
                case .woken:
                    return .woken
                case .ended:
                    self.span.finish(outcome: nil)
                    return .ended
                case .cancelled:
                    self.span.finish(outcome: RPCError(code: .cancelled, message: "the caller stopped reading"))
                    return .cancelled
                }
            } catch {
                self.span.finish(outcome: RPCError.describing(error))
                throw error
            }
        }
    }
}

/// The client span of a streaming call, which lasts as long as its responses do: ended once,
/// by the stream's end or failure, or when the stream is dropped unfinished (cancelled).
final class StreamSpan: Sendable {
    private let span: NIOLockedValueBox<(any Span)?>

    init(_ span: any Span) {
        self.span = NIOLockedValueBox(span)
    }

    func finish(outcome: RPCError?) {
        guard let span = self.span.withLockedValue({ span in defer { span = nil }; return span }) else { return }
        RPCTracing.finish(span, outcome: outcome, side: .client)
    }

    deinit {
        self.finish(outcome: RPCError(code: .cancelled, message: "the caller stopped reading"))
    }
}
