import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RPCProto
@testable import RPCRuntime
import RPCWire
import Testing
import TestSupport

/// A caller that gives up on a call (cancels it, or sees its deadline pass) still learns what
/// the call spent: its cancel asks for the closing status, which the service sends once the
/// handler has stopped (PROTOCOL.md section 6.7).
@Suite struct CallSettlementTests {
    private static let token = "test-token-0123456789"

    private static func configuration() -> RPCServerConfiguration {
        RPCServerConfiguration(
            token: token, maxFrameBytes: FrameLimits.defaultMaxFrameBytes, maxConcurrentCallsPerConnection: 64,
            handshakeTimeout: .seconds(5), idleTimeout: .seconds(120), partialFrameTimeout: .seconds(10), drainTimeout: .seconds(5)
        )
    }

    /// What ``TestRPCService/hang`` spends in all: its tokens before waiting and when cancelled.
    private static let hangSpent = Career_V1_ModelUsage.with {
        $0.model = TestRPCService.hangModel
        $0.promptTokens = TestRPCService.tokensBeforeHanging
        $0.outputTokens = TestRPCService.tokensWhenCancelled
        $0.totalTokens = TestRPCService.tokensBeforeHanging + TestRPCService.tokensWhenCancelled
    }

    /// Collects settlements; each call must be settled exactly once.
    private final class Settlements: Sendable {
        private let received = NIOLockedValueBox<[[Career_V1_ModelUsage]]>([])
        var all: [[Career_V1_ModelUsage]] { self.received.withLockedValue { $0 } }
        var settled: RPCClient.Settled { { [self] usage in self.received.withLockedValue { $0.append(usage) } } }
    }

    private func withClient(_ body: (RPCClient, TestRPCService) async throws -> Void) async throws {
        let service = TestRPCService()
        try await withRPCServer(Self.configuration(), router: service.router) { _, address in
            let client = try RPCClient(target: address.target, configuration: RPCClientConfiguration(token: Self.token), logger: quietLogger)
            defer { client.shutDown() }
            // Connected first, so the calls below start at once.
            _ = try await client.unary(TestRPCService.echo, .with { $0.value = "warm-up" })
            try await body(client, service)
        }
    }

    @Test func aCallThatEndsNormallyIsSettledWithItsStatusUsage() async throws {
        try await self.withClient { client, _ in
            let settlements = Settlements()
            _ = try await client.unaryReply(TestRPCService.echo, .with { $0.value = "x" }, settled: settlements.settled)
            #expect(settlements.all == [[]])
            _ = try? await client.unaryReply(TestRPCService.fail, .with { $0.value = "INTERNAL" }, settled: settlements.settled)
            #expect(settlements.all == [[], []])
        }
    }

    @Test func aCancelledUnaryCallIsSettledWithWhatItSpentUntilItStopped() async throws {
        try await self.withClient { client, service in
            let settlements = Settlements()
            let call = Task { try await client.unaryReply(TestRPCService.hang, .with { $0.value = "" }, settled: settlements.settled) }
            try await eventually { service.observed.contains("hang started") }
            call.cancel()
            let error = await #expect(throws: RPCError.self) { try await call.value }
            #expect(error?.code == .cancelled)
            try await eventually { !settlements.all.isEmpty }
            // The tokens the handler spent as it was being cancelled are in: the status waited for it.
            #expect(settlements.all == [[Self.hangSpent]])
        }
    }

    @Test func aStreamItsReaderAbandonsIsSettledWithWhatItSpent() async throws {
        try await self.withClient { client, service in
            let settlements = Settlements()
            let reader = Task {
                let stream = try await client.serverStreaming(TestRPCService.hangStream, .with { $0.value = "" }, settled: settlements.settled)
                for try await _ in stream {}
            }
            try await eventually { service.observed.contains("hang started") }
            reader.cancel()
            _ = try? await reader.value
            try await eventually { !settlements.all.isEmpty }
            #expect(settlements.all == [[Self.hangSpent]])
        }
    }

    @Test func aCallPastItsDeadlineIsSettledWithWhatItSpent() async throws {
        try await self.withClient { client, _ in
            let settlements = Settlements()
            let error = await #expect(throws: RPCError.self) {
                try await client.unaryReply(TestRPCService.hang, .with { $0.value = "" }, deadline: .now() + .milliseconds(300), settled: settlements.settled)
            }
            #expect(error?.code == .deadlineExceeded)
            try await eventually { !settlements.all.isEmpty }
            #expect(settlements.all == [[Self.hangSpent]])
        }
    }

    @Test func aCallNoServiceStartedIsNeverSettled() async throws {
        let settlements = Settlements()
        // A port nothing listens on.
        let client = try RPCClient(target: "127.0.0.1:1", configuration: RPCClientConfiguration(token: Self.token), logger: quietLogger)
        defer { client.shutDown() }
        await #expect(throws: RPCError.self) {
            try await client.unaryReply(TestRPCService.echo, .with { $0.value = "x" }, settled: settlements.settled)
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(settlements.all.isEmpty)
    }

    @Test func aCancelThatAsksForTheStatusIsTheBytesTheProtocolDocuments() throws {
        let bytes: [UInt8] = try Career_V1_Frame.with { $0.callID = 45; $0.cancel = .with { $0.reportStatus = true } }.serializedBytes()
        #expect(bytes == [0x08, 0x2D, 0x3A, 0x02, 0x08, 0x01])
        let plain: [UInt8] = try Career_V1_Frame.with { $0.callID = 45; $0.cancel = .init() }.serializedBytes()
        #expect(plain == [0x08, 0x2D, 0x3A, 0x00])
    }

    /// On the wire: a plain `CallCancel` gets nothing back (as before `report_status`), one with
    /// `report_status` gets `CallStatus{CANCELLED}` with the usage, once the handler stopped.
    @Test func onTheWireOnlyACancelThatAsksGetsAStatus() async throws {
        let service = TestRPCService()
        try await withRPCServer(Self.configuration(), router: service.router) { _, address in
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(to: address) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
            func frame(_ build: (inout Career_V1_Frame) -> Void) throws -> ByteBuffer {
                var frame = Career_V1_Frame()
                build(&frame)
                return ByteBufferAllocator().frame(body: try frame.serializedBytes() as [UInt8])
            }
            var opening = try frame { $0.hello = .with { $0.protocolVersion = 1; $0.token = Data(Self.token.utf8) } }
            opening.writeImmutableBuffer(try frame { $0.callID = 5; $0.callStart = .with { $0.method = TestRPCService.hang.path } })
            opening.writeImmutableBuffer(try frame { $0.callID = 6; $0.callStart = .with { $0.method = TestRPCService.hang.path } })
            try await channel.channel.writeAndFlush(opening)
            try await eventually { service.observed.filter { $0 == "hang started" }.count == 2 }
            var cancels = try frame { $0.callID = 5; $0.cancel = .init() }
            cancels.writeImmutableBuffer(try frame { $0.callID = 6; $0.cancel = .with { $0.reportStatus = true } })
            try await channel.channel.writeAndFlush(cancels)
            try await eventually { service.observed.filter { $0 == "hang cancelled" }.count == 2 }
            // A ping after both: its pong comes after anything sent for the two calls.
            try await channel.channel.writeAndFlush(try frame { $0.ping = .with { $0.opaque = 99 } })

            let frames = try await readFrames(channel) { frame in
                if case .ping(let ping) = frame.kind { return ping.ack && ping.opaque == 99 }
                return false
            }
            var statuses: [UInt32: Career_V1_CallStatus] = [:]
            for frame in frames { if case .status(let status) = frame.kind { statuses[frame.callID] = status } }
            #expect(statuses.keys.sorted() == [6])
            #expect(statuses[6]?.code == .cancelled)
            #expect(statuses[6]?.usage == [Self.hangSpent])
        }
    }
}
