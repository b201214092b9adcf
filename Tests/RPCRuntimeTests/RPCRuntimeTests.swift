import Foundation
import NIOCore
import NIOPosix
import RPCProto
@testable import RPCRuntime
import RPCWire
import ServiceLifecycle
import SwiftProtobuf
import Testing
import TestSupport

private let token = "test-token-0123456789"

private func serverConfiguration(
    idleTimeout: Duration = .seconds(120),
    handshakeTimeout: Duration = .seconds(5),
    partialFrameTimeout: Duration = .seconds(10),
    maxConcurrentCalls: Int = 1024,
    maxFrameBytes: Int = FrameLimits.defaultMaxFrameBytes
) -> RPCServerConfiguration {
    RPCServerConfiguration(
        token: token, maxFrameBytes: maxFrameBytes, maxConcurrentCallsPerConnection: maxConcurrentCalls,
        handshakeTimeout: handshakeTimeout, idleTimeout: idleTimeout, partialFrameTimeout: partialFrameTimeout,
        drainTimeout: .seconds(5)
    )
}

private func client(_ address: SocketAddress, token: String? = token) throws -> RPCClient {
    try RPCClient(target: address.target, configuration: RPCClientConfiguration(token: token), logger: quietLogger)
}

private func text(_ value: String) -> Google_Protobuf_StringValue { .with { $0.value = value } }

/// A server running `service` on loopback and a client connected to it, both stopped after `body`.
private func withClient(_ service: TestRPCService = TestRPCService(), _ body: (RPCClient) async throws -> Void) async throws {
    try await withRPCServer(serverConfiguration(), router: service.router) { _, address in
        let client = try client(address)
        defer { client.shutDown() }
        try await body(client)
    }
}

@Suite struct RPCRuntimeTests {
    @Test func manyConcurrentCallsShareOneConnection() async throws {
        let service = TestRPCService()
        try await withRPCServer(serverConfiguration(), router: service.router) { server, address in
            let client = try client(address)
            defer { client.shutDown() }
            let answers = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<200 {
                    group.addTask { try await client.unary(TestRPCService.echo, text("call \(index)")).value }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(answers == Set((0..<200).map { "call \($0)" }))
            #expect(server.openConnectionCount == 1)
        }
    }

    @Test func serverStreamingDeliversEveryMessageThenEnds() async throws {
        try await withClient() { client in
            var received: [String] = []
            for try await message in try await client.serverStreaming(TestRPCService.count, text("5")) {
                received.append(message.value)
            }
            #expect(received == ["0", "1", "2", "3", "4"])
        }
    }

    @Test func aWakeEndsTheReadersWaitAndTheMessagesStillFollow() async throws {
        let service = TestRPCService()
        try await withClient(service) { client in
            let stream = try await client.serverStreaming(TestRPCService.hangStream, text(""))
            var iterator = stream.makeAsyncIterator()
            guard case .message(let first) = try await iterator.receive() else { Issue.record("no first message"); return }
            #expect(first.value == "first")
            // The service now hangs: only a wake-up can end this wait.
            let waker = Task {
                try await Task.sleep(for: .milliseconds(100))
                stream.wake()
            }
            guard case .woken = try await iterator.receive() else { Issue.record("the wait did not end at the wake-up"); return }
            try await waker.value
            // Wake-ups before a wait coalesce into one.
            stream.wake()
            stream.wake()
            guard case .woken = try await iterator.receive() else { Issue.record("a pending wake-up was lost"); return }
            stream.cancel()
            guard case .cancelled = try await iterator.receive() else { Issue.record("cancel did not end the read"); return }
            try await eventually { service.observed.contains("hang cancelled") }
        }
    }

    @Test func aWakeDoesNotDisturbPlainIteration() async throws {
        try await withClient() { client in
            let stream = try await client.serverStreaming(TestRPCService.count, text("3"))
            stream.wake()
            var received: [String] = []
            for try await message in stream { received.append(message.value) }
            #expect(received == ["0", "1", "2"])
            // After the end, cancelling changes nothing and a read still says it ended.
            stream.cancel()
            var iterator = stream.makeAsyncIterator()
            guard case .ended = try await iterator.receive() else { Issue.record("a cancel after the end hid the end"); return }
        }
    }

    @Test func cancellingFromAnotherTaskStopsAWaitingReaderAndTheHandler() async throws {
        let service = TestRPCService()
        try await withClient(service) { client in
            let stream = try await client.serverStreaming(TestRPCService.hangStream, text(""))
            var iterator = stream.makeAsyncIterator()
            #expect(try await iterator.next()?.value == "first")
            let reader = Task { [iterator] in
                var iterator = iterator
                return try await iterator.receive()
            }
            try await eventually { service.observed.contains("hang started") }
            stream.cancel()
            guard case .cancelled = try await reader.value else { Issue.record("the waiting reader was not stopped"); return }
            try await eventually { service.observed.contains("hang cancelled") }
        }
    }

    @Test func droppingAStreamUnreadCancelsTheCall() async throws {
        let service = TestRPCService()
        try await withClient(service) { client in
            do {
                let stream = try await client.serverStreaming(TestRPCService.hangStream, text(""))
                var iterator = stream.makeAsyncIterator()
                #expect(try await iterator.next()?.value == "first")
            }
            try await eventually { service.observed.contains("hang cancelled") }
        }
    }

    @Test func aFailedStreamThrowsOnceThenEnds() async throws {
        try await withClient() { client in
            _ = try await client.unary(TestRPCService.echo, text("warm-up"))
            // Long enough for the first message on a busy machine; the service hangs after it.
            let stream = try await client.serverStreaming(TestRPCService.hangStream, text(""), deadline: .now() + .seconds(2))
            var iterator = stream.makeAsyncIterator()
            #expect(try await iterator.next()?.value == "first")
            let error = await #expect(throws: RPCError.self) { try await iterator.next() }
            #expect(error?.code == .deadlineExceeded)
            #expect(try await iterator.next() == nil)
        }
    }

    @Test func statusCodesAndDetailsCrossTheWire() async throws {
        try await withClient() { client in
            let error = await #expect(throws: RPCError.self) {
                try await client.unary(TestRPCService.fail, text("RESOURCE_EXHAUSTED"))
            }
            #expect(error?.code == .resourceExhausted)
            #expect(error?.reason == "TEST_REASON")
            #expect(error?.fieldViolations == [.init(field: "value", issue: "asked to fail")])
            #expect(error?.retryAfter == .seconds(3))
        }
    }

    @Test func unknownMethodIsUnimplemented() async throws {
        try await withClient() { client in
            let missing = RPCMethod<Google_Protobuf_StringValue, Google_Protobuf_StringValue>(service: "test.Echo", name: "Nope", kind: .unary)
            let error = await #expect(throws: RPCError.self) { try await client.unary(missing, text("x")) }
            #expect(error?.code == .unimplemented)
        }
    }

    @Test func metadataAndDeadlineReachTheHandler() async throws {
        try await withClient() { client in
            let answer = try await client.unary(
                TestRPCService.inspect, text(""),
                metadata: ["request-id": "req-1", "traceparent": "00-abc-def-01"],
                deadline: .now() + .seconds(600)
            ).value
            #expect(answer.contains("request-id=req-1"))
            #expect(answer.contains("traceparent=00-abc-def-01"))
            let remaining = try #require(answer.split(separator: ";").last?.split(separator: "=").last.flatMap { Int64($0) })
            // A minute of slack: a loaded machine can stall the call for seconds on the way.
            #expect(remaining > 540_000 && remaining <= 600_000)
        }
    }

    @Test func deadlineExpiryEndsTheCallAndCancelsTheHandler() async throws {
        let service = TestRPCService()
        try await withClient(service) { client in
            // Connect first, so the deadline is spent on the call rather than on the handshake.
            _ = try await client.unary(TestRPCService.echo, text("warm-up"))
            let error = await #expect(throws: RPCError.self) {
                try await client.unary(TestRPCService.hang, text(""), deadline: .now() + .milliseconds(300))
            }
            #expect(error?.code == .deadlineExceeded)
            try await eventually { service.observed.contains("hang cancelled") }
        }
    }

    @Test func cancellingTheCallerReachesTheHandler() async throws {
        let service = TestRPCService()
        try await withClient(service) { client in
            let call = Task { try await client.unary(TestRPCService.hang, text("")) }
            try await eventually { service.observed.contains("hang started") }
            call.cancel()
            let error = await #expect(throws: RPCError.self) { try await call.value }
            #expect(error?.code == .cancelled)
            try await eventually { service.observed.contains("hang cancelled") }
        }
    }

    @Test func wrongTokenIsRefused() async throws {
        try await withRPCServer(serverConfiguration(), router: TestRPCService().router) { _, address in
            let client = try client(address, token: "wrong-token")
            defer { client.shutDown() }
            let error = await #expect(throws: RPCError.self) { try await client.unary(TestRPCService.echo, text("x")) }
            #expect(error?.code == .unavailable)
        }
    }

    @Test func callCapPerConnectionRefusesTheExtraCall() async throws {
        let service = TestRPCService()
        try await withRPCServer(serverConfiguration(maxConcurrentCalls: 2), router: service.router) { _, address in
            let client = try client(address)
            defer { client.shutDown() }
            let hanging = (0..<2).map { _ in Task { try await client.unary(TestRPCService.hang, text("")) } }
            try await eventually { service.observed.filter { $0 == "hang started" }.count == 2 }
            // The client keeps to the limit the server announced: the extra call never starts,
            // and fails as the service being busy, not as a rate limit.
            let error = await #expect(throws: RPCError.self) { try await client.unary(TestRPCService.echo, text("x")) }
            #expect(error?.code == .unavailable)
            #expect(!service.observed.contains { $0.hasPrefix("echo") })
            for call in hanging { call.cancel() }
        }
    }

    @Test func noReplicaUpFailsFastWithUnavailable() async throws {
        // A port nothing listens on: bind one, note it, close it.
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let address = probe.localAddress!
        try await probe.close()
        let client = try client(address)
        defer { client.shutDown() }
        let started = ContinuousClock.now
        let error = await #expect(throws: RPCError.self) { try await client.unary(TestRPCService.echo, text("x")) }
        #expect(error?.code == .unavailable)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func balancesOverReplicasAndSkipsOneThatIsDown() async throws {
        try await withRPCServer(serverConfiguration(), router: TestRPCService().router) { first, firstAddress in
            try await withRPCServer(serverConfiguration(), router: TestRPCService().router) { second, secondAddress in
                let client = try RPCClient(
                    target: "\(firstAddress.target),\(secondAddress.target)",
                    configuration: RPCClientConfiguration(token: token), logger: quietLogger
                )
                defer { client.shutDown() }
                #expect(await client.waitUntilReady(timeout: .seconds(5)))
                for index in 0..<20 { _ = try await client.unary(TestRPCService.echo, text("\(index)")) }
                #expect(first.openConnectionCount == 1)
                #expect(second.openConnectionCount == 1)
                #expect(client.replicas.count == 2)
            }
            // The second server is gone: every call still succeeds on the first.
        }
    }

    @Test func aDNSNameResolvesToItsAddresses() async throws {
        try await withRPCServer(serverConfiguration(), router: TestRPCService().router) { _, address in
            // "localhost" may also name ::1, where nothing listens: that replica never becomes
            // ready and calls go to the one that is.
            let client = try RPCClient(target: "localhost:\(address.port!)", configuration: RPCClientConfiguration(token: token), logger: quietLogger)
            defer { client.shutDown() }
            #expect(client.replicas.contains { $0.address.contains("127.0.0.1") })
            for index in 0..<5 {
                #expect(try await client.unary(TestRPCService.echo, text("\(index)")).value == "\(index)")
            }
        }
    }

    @Test func targetsAreParsedStrictly() throws {
        #expect(try EndpointResolver.parse("a:1, b:2").map(\.description) == ["a:1", "b:2"])
        #expect(try EndpointResolver.parse("[::1]:7101").map(\.description) == ["[::1]:7101"])
        #expect(throws: EndpointResolver.ParseError.self) { try EndpointResolver.parse("nohost") }
        #expect(throws: EndpointResolver.ParseError.self) { try EndpointResolver.parse("a:99999") }
        #expect(throws: EndpointResolver.ParseError.self) { try EndpointResolver.parse("") }
    }

    @Test func loopbackIsTheLoopbackLiteralsOnly() {
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "::1"] { #expect(EndpointResolver.isLoopback(host), "\(host)") }
        for host in ["127.example.com", "127.0.0.1.example.com", "127.0.0", "127.0.0.256", "10.0.0.1", "128.0.0.1", "generation", ""] {
            #expect(!EndpointResolver.isLoopback(host), "\(host)")
        }
    }

    @Test func aDrainingReplicaIsSkipped() async throws {
        let service = TestRPCService()
        try await withRPCServer(serverConfiguration(), router: service.router) { _, firstAddress in
            let draining = RPCServer(configuration: serverConfiguration(), router: service.router, logger: quietLogger)
            let group = ServiceGroup(configuration: .init(services: [.init(service: draining)], logger: quietLogger))
            let running = Task { try await group.run() }
            let secondAddress = try await draining.boundAddress
            let client = try RPCClient(
                target: "\(firstAddress.target),\(secondAddress.target)",
                configuration: RPCClientConfiguration(token: token), logger: quietLogger
            )
            defer { client.shutDown() }
            #expect(await client.waitUntilReady(timeout: .seconds(5)))
            // Hold a call on the second replica so it drains instead of closing at once.
            let held = Task { try await client.unary(TestRPCService.sleep, text("800")) }
            try await eventually { service.observed.contains("sleep started") }
            await group.triggerGracefulShutdown()
            try await eventually { client.replicas.filter(\.ready).count == 1 }
            for index in 0..<10 {
                #expect(try await client.unary(TestRPCService.echo, text("\(index)")).value == "\(index)")
            }
            _ = try? await held.value
            try await running.value
        }
    }

    @Test func aFailedHealthCheckLeavesTheCallsInFlightAlone() async throws {
        let service = TestRPCService()
        try await withRPCServer(serverConfiguration(), router: service.router) { _, address in
            // A check that can never answer in time: it fails as a busy replica's would.
            let configuration = RPCClientConfiguration(token: token, healthCheckTimeout: .nanoseconds(1))
            let client = try RPCClient(target: address.target, configuration: configuration, logger: quietLogger)
            defer { client.shutDown() }
            _ = try await client.unary(TestRPCService.echo, text("connect"))
            let held = Task { try await client.unary(TestRPCService.sleep, text("1500")) }
            try await eventually { service.observed.contains("sleep started") }
            await client.checkHealthNow()
            // The replica takes no new calls...
            #expect(client.isReady == false)
            // ...but the call it is serving ends with its answer on the connection it started on
            // (closing that connection on the failed check used to fail it as CONNECTION_LOST).
            #expect(try await held.value.value == "1500")
        }
    }

    @Test func failoverWhenAReplicaStops() async throws {
        let service = TestRPCService()
        try await withRPCServer(serverConfiguration(), router: service.router) { _, firstAddress in
            let secondServer = RPCServer(configuration: serverConfiguration(), router: service.router, logger: quietLogger)
            let secondRun = Task { try await secondServer.run() }
            let secondAddress = try await secondServer.boundAddress
            let client = try RPCClient(
                target: "\(firstAddress.target),\(secondAddress.target)",
                configuration: RPCClientConfiguration(token: token), logger: quietLogger
            )
            defer { client.shutDown() }
            #expect(await client.waitUntilReady(timeout: .seconds(5)))
            secondRun.cancel()
            _ = try? await secondRun.value
            // Calls racing the close may fail with UNAVAILABLE; once the client has seen the
            // connection go, every call goes to the first replica.
            try await eventually { client.replicas.filter(\.ready).count == 1 }
            for index in 0..<10 {
                #expect(try await client.unary(TestRPCService.echo, text("\(index)")).value == "\(index)")
            }
        }
    }
}

@Suite struct RPCServerBoundsTests {
    /// A raw TCP peer, for bytes no well-behaved client would send.
    private func rawConnection(to address: SocketAddress) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(to: address) { channel in
            channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
        }
    }

    private func readUntilClosed(_ channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>, within limit: Duration) async throws -> ByteBuffer {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask {
                var received = ByteBuffer()
                try await channel.executeThenClose { inbound, _ in
                    for try await var chunk in inbound { received.writeBuffer(&chunk) }
                }
                return received
            }
            group.addTask { try await Task.sleep(for: limit); return nil }
            let first = try await group.next()!
            group.cancelAll()
            return try #require(first, "connection still open after \(limit)")
        }
    }

    private func goAwayCode(in bytes: ByteBuffer) throws -> Career_V1_StatusCode? {
        var bytes = bytes
        while let length = bytes.readInteger(endianness: .big, as: UInt32.self), let body = bytes.readBytes(length: Int(length)) {
            let frame = try Career_V1_Frame(serializedBytes: body)
            if case .goAway(let goAway) = frame.kind { return goAway.code }
        }
        return nil
    }

    private func hello(_ token: String) throws -> ByteBuffer {
        let frame = Career_V1_Frame.with { $0.hello = .with { $0.protocolVersion = 1; $0.token = Data(token.utf8) } }
        return ByteBufferAllocator().frame(body: try frame.serializedBytes() as [UInt8])
    }

    @Test func oversizedFrameIsRefusedAndOtherConnectionsKeepWorking() async throws {
        try await withRPCServer(serverConfiguration(maxFrameBytes: 1024), router: TestRPCService().router) { _, address in
            let client = try client(address)
            defer { client.shutDown() }
            _ = try await client.unary(TestRPCService.echo, text("before"))
            let raw = try await rawConnection(to: address)
            var bytes = try hello(token)
            bytes.writeBytes([0xFF, 0xFF, 0xFF, 0xFF])
            try await raw.channel.writeAndFlush(bytes)
            let answer = try await readUntilClosed(raw, within: .seconds(20))
            #expect(try goAwayCode(in: answer) == .resourceExhausted)
            #expect(try await client.unary(TestRPCService.echo, text("after")).value == "after")
        }
    }

    @Test func wrongTokenGetsGoAwayAndClose() async throws {
        try await withRPCServer(serverConfiguration(), router: TestRPCService().router) { _, address in
            let raw = try await rawConnection(to: address)
            try await raw.channel.writeAndFlush(try hello("nope"))
            let answer = try await readUntilClosed(raw, within: .seconds(20))
            #expect(try goAwayCode(in: answer) == .unauthenticated)
        }
    }

    @Test func theTokenWithBytesAppendedIsRefused() async throws {
        try await withRPCServer(serverConfiguration(), router: TestRPCService().router) { _, address in
            for extra in [1, 255, 256, 512] {
                let raw = try await rawConnection(to: address)
                try await raw.channel.writeAndFlush(try hello(token + String(repeating: "x", count: extra)))
                let answer = try await readUntilClosed(raw, within: .seconds(20))
                #expect(try goAwayCode(in: answer) == .unauthenticated, "token with \(extra) bytes appended")
            }
        }
    }

    @Test func anyFirstFrameButHelloIsRefused() async throws {
        try await withRPCServer(serverConfiguration(), router: TestRPCService().router) { _, address in
            let frames: [Career_V1_Frame] = [
                .with { $0.callID = 1; $0.cancel = .init() },
                .with { $0.callID = 1; $0.callStart = .with { $0.method = "/test.Echo/Echo" } },
                .with { $0.ping = .init() },
                .with { $0.goAway = .init() },
            ]
            for frame in frames {
                let raw = try await rawConnection(to: address)
                try await raw.channel.writeAndFlush(ByteBufferAllocator().frame(body: try frame.serializedBytes() as [UInt8]))
                let answer = try await readUntilClosed(raw, within: .seconds(20))
                #expect(try goAwayCode(in: answer) == .unauthenticated)
            }
        }
    }

    @Test func aCallIDReusedAfterACancelGetsItsOwnAnswer() async throws {
        let service = TestRPCService()
        try await withRPCServer(serverConfiguration(), router: service.router) { _, address in
            let raw = try await rawConnection(to: address)
            func frame(_ build: (inout Career_V1_Frame) -> Void) throws -> ByteBuffer {
                var frame = Career_V1_Frame()
                build(&frame)
                return ByteBufferAllocator().frame(body: try frame.serializedBytes() as [UInt8])
            }
            var bytes = try hello(token)
            bytes.writeImmutableBuffer(try frame { $0.callID = 5; $0.callStart = .with { $0.method = "/test.Echo/Hang" } })
            bytes.writeImmutableBuffer(try frame { $0.callID = 5; $0.cancel = .init() })
            let payload: [UInt8] = try text("50").serializedBytes()
            bytes.writeImmutableBuffer(try frame { $0.callID = 5; $0.callStart = .with { $0.method = "/test.Echo/Sleep"; $0.payload = Data(payload) } })
            try await raw.channel.writeAndFlush(bytes)
            let frames = try await readFrames(raw) { frame in
                if case .status = frame.kind { return true }
                return false
            }
            let status: Career_V1_StatusCode? = frames.last.flatMap { frame in
                if case .status(let status) = frame.kind { return status.code }
                return nil
            }
            #expect(status == .ok)
        }
    }

    @Test func aReaderThatStopsReadingHoldsBackTheStreamingProducer() async throws {
        let service = TestRPCService()
        try await withRPCServer(serverConfiguration(), router: service.router) { _, address in
            // A peer that sends a call and then never reads: the producer must stall, not
            // buffer 1,000 × 256 KiB in the server.
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.autoRead, value: false)
                .connect(to: address).get()
            defer { channel.close(promise: nil) }
            var bytes = try hello(token)
            let start = Career_V1_Frame.with {
                $0.callID = 1
                $0.callStart = .with { $0.method = "/test.Echo/Flood"; $0.payload = try! Data(text("1000").serializedBytes() as [UInt8]) }
            }
            bytes.writeImmutableBuffer(ByteBufferAllocator().frame(body: try start.serializedBytes() as [UInt8]))
            try await channel.writeAndFlush(bytes)
            try await eventually { service.floodMessagesSent > 0 }
            try await Task.sleep(for: .seconds(2))
            // Only what the kernel's socket buffers hold (a few MiB) has left the producer;
            // without pacing all 1,000 messages (250 MiB) would sit in the server's memory.
            #expect(service.floodMessagesSent < 100)
        }
    }

    @Test func silentPeerIsClosedAtTheHandshakeTimeout() async throws {
        try await withRPCServer(serverConfiguration(handshakeTimeout: .milliseconds(200)), router: TestRPCService().router) { _, address in
            let raw = try await rawConnection(to: address)
            let answer = try await readUntilClosed(raw, within: .seconds(20))
            #expect(try goAwayCode(in: answer) == .deadlineExceeded)
        }
    }

    @Test func idlePeerIsClosed() async throws {
        try await withRPCServer(serverConfiguration(idleTimeout: .milliseconds(200)), router: TestRPCService().router) { _, address in
            let raw = try await rawConnection(to: address)
            try await raw.channel.writeAndFlush(try hello(token))
            let answer = try await readUntilClosed(raw, within: .seconds(20))
            #expect(try goAwayCode(in: answer) == .unavailable)
        }
    }

    @Test func theServerRefusesACallOverItsLimitFromAPeerThatIgnoresIt() async throws {
        try await withRPCServer(serverConfiguration(maxConcurrentCalls: 2), router: TestRPCService().router) { _, address in
            let raw = try await rawConnection(to: address)
            var bytes = try hello(token)
            for id in UInt32(1)...3 {
                let start = Career_V1_Frame.with {
                    $0.callID = id
                    $0.callStart = .with { $0.method = TestRPCService.hang.path; $0.payload = try! text("").serializedBytes() }
                }
                bytes.writeImmutableBuffer(ByteBufferAllocator().frame(body: try start.serializedBytes() as [UInt8]))
            }
            try await raw.channel.writeAndFlush(bytes)
            var received = ByteBuffer()
            var refusal: Career_V1_CallStatus?
            try await raw.executeThenClose { inbound, _ in
                for try await var chunk in inbound {
                    received.writeBuffer(&chunk)
                    var view = received
                    while let length = view.readInteger(endianness: .big, as: UInt32.self), let body = view.readBytes(length: Int(length)) {
                        let frame = try Career_V1_Frame(serializedBytes: body)
                        if case .status(let status) = frame.kind, frame.callID == 3 { refusal = status }
                    }
                    if refusal != nil { break }
                }
            }
            #expect(refusal?.code == .resourceExhausted)
        }
    }

    @Test func aSlowGreeterIsOnTheHandshakeTimeoutNotTheIdleOne() async throws {
        let configuration = serverConfiguration(idleTimeout: .milliseconds(100), handshakeTimeout: .seconds(20))
        try await withRPCServer(configuration, router: TestRPCService().router) { _, address in
            let raw = try await rawConnection(to: address)
            try await Task.sleep(for: .milliseconds(600))
            try await raw.channel.writeAndFlush(try hello(token))
            // Greeted late but within the handshake timeout: acknowledged, then closed as idle.
            let answer = try await readUntilClosed(raw, within: .seconds(20))
            #expect(try frameKinds(in: answer).first == "helloAck")
            #expect(try goAwayCode(in: answer) == .unavailable)
        }
    }

    private func frameKinds(in bytes: ByteBuffer) throws -> [String] {
        var bytes = bytes
        var kinds: [String] = []
        while let length = bytes.readInteger(endianness: .big, as: UInt32.self), let body = bytes.readBytes(length: Int(length)) {
            switch try Career_V1_Frame(serializedBytes: body).kind {
            case .helloAck: kinds.append("helloAck")
            case .goAway: kinds.append("goAway")
            default: kinds.append("other")
            }
        }
        return kinds
    }

    @Test func peerThatNeverFinishesAFrameIsClosed() async throws {
        try await withRPCServer(serverConfiguration(partialFrameTimeout: .milliseconds(200)), router: TestRPCService().router) { _, address in
            let raw = try await rawConnection(to: address)
            var bytes = try hello(token)
            bytes.writeBytes([0, 0, 0, 100, 1, 2, 3])
            try await raw.channel.writeAndFlush(bytes)
            let answer = try await readUntilClosed(raw, within: .seconds(20))
            #expect(try goAwayCode(in: answer) == .deadlineExceeded)
        }
    }

    @Test func garbageIsRefusedAndTheServerKeepsServing() async throws {
        try await withRPCServer(serverConfiguration(), router: TestRPCService().router) { _, address in
            let raw = try await rawConnection(to: address)
            try await raw.channel.writeAndFlush(ByteBufferAllocator().frame(body: [0xFF, 0xFF, 0xFF, 0x07, 0x01]))
            _ = try await readUntilClosed(raw, within: .seconds(20))
            let client = try client(address)
            defer { client.shutDown() }
            #expect(try await client.unary(TestRPCService.echo, text("still")).value == "still")
        }
    }

    @Test func gracefulShutdownDrainsCallsInFlight() async throws {
        let service = TestRPCService()
        let server = RPCServer(configuration: serverConfiguration(), router: service.router, logger: quietLogger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: server)], logger: quietLogger))
        let running = Task { try await group.run() }
        let address = try await server.boundAddress
        let client = try client(address)
        defer { client.shutDown() }
        let slow = Task { try await client.unary(TestRPCService.sleep, text("500")) }
        try await eventually { service.observed.contains("sleep started") }
        await group.triggerGracefulShutdown()
        #expect(try await slow.value.value == "500")
        try await running.value
        #expect(service.observed.contains("sleep finished"))
        let error = await #expect(throws: RPCError.self) { try await client.unary(TestRPCService.echo, text("late")) }
        #expect(error?.code == .unavailable)
    }
}

/// Polls `condition` until it holds, failing after `limit`.
func eventually(within limit: Duration = .seconds(30), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within \(limit)")
            return
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// The tokens a call spent travel in its closing status, whatever the outcome (PROTOCOL.md
/// section 7): the gateway's usage ledger reads them there.
@Suite struct CallStatusUsageTests {
    static let spend = RPCMethod<Google_Protobuf_StringValue, Google_Protobuf_StringValue>(service: "test.Usage", name: "Spend", kind: .unary)

    /// Spends tokens on two models, then answers or fails as the request says; the router's
    /// call scope adds the tokens of a third.
    static var router: RPCRouter {
        var router = RPCRouter()
        router.register(Self.spend) { request, context in
            context.usage.add(model: "gemini-2.5-pro", promptTokens: 10, outputTokens: 5, thoughtsTokens: 2, totalTokens: 17)
            context.usage.add(model: "gemini-2.5-flash", promptTokens: 3, outputTokens: 1, thoughtsTokens: 0, totalTokens: 4)
            // What a call to another service reported, merged model by model.
            context.usage.add([.with { $0.model = "gemini-2.5-pro"; $0.promptTokens = 1; $0.outputTokens = 1; $0.totalTokens = 2 }])
            if request.value == "fail" { throw RPCError(code: .internal, message: "malformed twice", reason: "MALFORMED_MODEL_OUTPUT") }
            return request
        }
        router.callScope = { context, handler in
            context.usage.add(model: "scope-model", promptTokens: 1, outputTokens: 0, thoughtsTokens: 0, totalTokens: 1)
            try await handler()
        }
        return router
    }

    static func summary(_ usage: [Career_V1_ModelUsage]) -> [String] {
        usage.map { "\($0.model) \($0.promptTokens)/\($0.outputTokens)/\($0.thoughtsTokens)/\($0.totalTokens)" }
    }

    static let expected = ["scope-model 1/0/0/1", "gemini-2.5-pro 11/6/2/19", "gemini-2.5-flash 3/1/0/4"]

    @Test func anOKStatusCarriesTheTokensPerModel() async throws {
        try await withRPCServer(serverConfiguration(), router: Self.router) { _, address in
            let client = try client(address)
            defer { client.shutDown() }
            let reply = try await client.unaryReply(Self.spend, text("ok"))
            #expect(reply.response.value == "ok")
            #expect(Self.summary(reply.usage) == Self.expected)
        }
    }

    @Test func aFailedCallStillReportsWhatItSpent() async throws {
        try await withRPCServer(serverConfiguration(), router: Self.router) { _, address in
            let client = try client(address)
            defer { client.shutDown() }
            let error = await #expect(throws: RPCError.self) { _ = try await client.unaryReply(Self.spend, text("fail")) }
            #expect(error?.reason == "MALFORMED_MODEL_OUTPUT")
            #expect(Self.summary(error?.usage ?? []) == Self.expected)
        }
    }

    @Test func aCallThatSpentNothingHasAnEmptyOKStatus() throws {
        let frame = Career_V1_Frame.status(callID: 1, nil, usage: [])
        #expect(try frame.serializedBytes() == [0x08, 0x01, 0x32, 0x00])
    }
}
