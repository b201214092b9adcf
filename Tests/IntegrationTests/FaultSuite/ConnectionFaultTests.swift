import Foundation
import RPCProto
import Testing
import TestSupport

/// Fault suite: clients that misbehave at the connection level, on the gateway's HTTP port and
/// on a service's RPC port, while ordinary calls go on. Bounded: a fixed number of peers, each
/// cut off by a timeout of a few seconds.
@Suite struct FaultSlowClientTests {
    /// Calls through the whole stack while misbehaving peers are connected: all answered.
    static func ordinaryCallsSucceed(_ stack: Stack, count: Int = 5) async throws -> Bool {
        var allAnswered = true
        for _ in 0..<count {
            let reply = try await stack.send("POST", "/api/v1/interview/questions", json: FaultFixtures.questionsBody)
            allAnswered = allAnswered && reply.status == 200
        }
        return allAnswered
    }

    /// Writes `bytes` one at a time, `gap` apart, until the server closes the connection; true
    /// when it closed before the last byte.
    static func trickle(_ bytes: [UInt8], to peer: RawPeer, gap: Duration) async -> Bool {
        for byte in bytes {
            if peer.isClosed { return true }
            await peer.send([byte])
            try? await Task.sleep(for: gap)
        }
        return peer.isClosed
    }

    @Test func slowlorisOnTheGatewayIsCutOffWhileOthersAreServed() async throws {
        let stack = try await Stack(gatewayEnvironment: [
            "HTTP_IDLE_TIMEOUT_SECONDS": "1", "HTTP_BODY_TIMEOUT_SECONDS": "2", "RATE_LIMIT_FLASH_PER_MIN": "1000",
        ])
        defer { Task { await stack.stop() } }
        let head = Array("POST /api/v1/interview/questions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nX-Padding: \(String(repeating: "a", count: 60))\r\n\r\n".utf8)
        let bodyHead = Array("POST /api/v1/interview/questions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n".utf8)
        // 20 peers trickle a request head, 20 send a head and trickle the body, 20 say nothing:
        // each would take at least 25 s at 4 bytes a second.
        var peers: [(RawPeer, [UInt8]?)] = []
        for index in 0..<60 {
            let peer = try await RawPeer.connect(port: stack.gatewayPort)
            switch index % 3 {
            case 0: peers.append((peer, head))
            case 1:
                await peer.send(bodyHead)
                peers.append((peer, Array(repeating: UInt8(ascii: " "), count: 100)))
            default: peers.append((peer, nil))
            }
        }
        async let stillConnected = withTaskGroup(of: Bool.self) { group in
            for (peer, bytes) in peers {
                group.addTask {
                    if let bytes { return await Self.trickle(bytes, to: peer, gap: .milliseconds(250)) }
                    return await peer.waitUntilClosed(within: .seconds(25))
                }
            }
            var stillConnected = 0
            for await cut in group where !cut { stillConnected += 1 }
            return stillConnected
        }
        #expect(try await Self.ordinaryCallsSucceed(stack), "ordinary calls are served meanwhile")
        let left = await stillConnected
        #expect(left == 0, "\(left) of \(peers.count) slow clients were still connected after their whole request")
        for (peer, _) in peers { peer.close() }
    }

    @Test func slowAndSilentPeersOnAnRPCPortAreCutOffWhileCallsGoOn() async throws {
        let stack = try await Stack()
        defer { Task { await stack.stop() } }
        var silent: [RawPeer] = []
        var partial: [RawPeer] = []
        for index in 0..<40 {
            let peer = try await RawPeer.connect(port: stack.generationPort)
            if index.isMultiple(of: 2) {
                silent.append(peer)  // never says Hello: the 5 s handshake timeout
            } else {
                // Greets properly, then starts a frame it never finishes: the 10 s partial-frame
                // timeout, however slowly the bytes keep coming.
                await peer.send(try FaultFixtures.hello(token: Stack.rpcToken))
                await peer.send([0, 0, 1, 0])
                partial.append(peer)
            }
        }
        let trickled = partial
        let trickling = Task {
            for _ in 0..<60 {
                for peer in trickled { await peer.send([0x0A]) }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
        defer { trickling.cancel() }
        #expect(try await Self.ordinaryCallsSucceed(stack))
        var stillOpen = 0
        for peer in silent + partial where !(await peer.waitUntilClosed(within: .seconds(25))) { stillOpen += 1 }
        #expect(stillOpen == 0, "\(stillOpen) of \(silent.count + partial.count) slow peers still connected")
        #expect(try await Self.ordinaryCallsSucceed(stack))
    }
}

@Suite struct FaultGarbageTests {
    /// One misbehaving connection of each kind: the service closes it, or answers the call
    /// with an error, and stays up.
    static func garbage(round: Int) throws -> [[UInt8]] {
        // Fresh bytes every run: the service must survive any of them, not one fixed sample.
        let random = (0..<2_048).map { _ in UInt8.random(in: 0...255) }
        let hello = try FaultFixtures.hello(token: Stack.rpcToken)
        let invalidProtobuf: [UInt8] = [0, 0, 0, 6, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]
        let callWithGarbagePayload = try FaultFixtures.frame {
            $0.callID = 1
            $0.callStart = .with {
                $0.method = "/career.v1.GenerationService/InterviewQuestions"
                $0.payload = Data(random.prefix(64))
            }
        }
        let unknownMethod = try FaultFixtures.frame {
            $0.callID = 3
            $0.callStart = .with { $0.method = "/career.v1.Nothing/\(round)"; $0.payload = Data() }
        }
        return [
            random,                                            // random bytes before any Hello
            hello + random,                                    // random bytes after a Hello
            [0xFF, 0xFF, 0xFF, 0xFF] + random.prefix(100),     // a 4 GiB length prefix
            hello + [0x7F, 0xFF, 0xFF, 0xFF],                  // a 2 GiB frame announced after Hello
            Array(hello.prefix(hello.count - 3)),              // a truncated Hello, then silence
            invalidProtobuf,                                   // a frame that is not protobuf
            hello + invalidProtobuf,
            hello + callWithGarbagePayload + unknownMethod,    // calls the service must refuse
        ]
    }

    @Test func garbageOnAnRPCPortLeavesTheServiceServingWithFlatMemory() async throws {
        let stack = try await Stack(gatewayEnvironment: ["RATE_LIMIT_FLASH_PER_MIN": "1000"])
        defer { Task { await stack.stop() } }
        let pid = stack.generation.processIdentifier

        /// Sends every kind of garbage `connections` times over; returns the service's RSS after.
        func round(_ index: Int, connections: Int) async throws -> Int {
            for batch in 0..<connections {
                var peers: [RawPeer] = []
                for bytes in try Self.garbage(round: index * 1_000 + batch) {
                    let peer = try await RawPeer.connect(port: stack.generationPort)
                    await peer.send(bytes)
                    peers.append(peer)
                }
                // The truncated Hello waits for the 5 s handshake timeout; leave it to the
                // client side to end rather than waiting on every batch.
                try await Task.sleep(for: .milliseconds(100))
                for peer in peers { peer.close() }
            }
            #expect(try await FaultSlowClientTests.ordinaryCallsSucceed(stack, count: 3))
            return FaultFixtures.residentKiB(of: pid) ?? 0
        }

        let warm = try await round(0, connections: 25)
        let after = try await round(1, connections: 25)
        let third = try await round(2, connections: 25)
        // Flat: 200 more garbage connections after the warm-up grow the service by less than
        // 8 MiB (allocator noise), not by what they sent or announced (up to 4 GiB each).
        #expect(stack.generation.isRunning)
        #expect(max(after, third) - warm < 8 * 1_024, "RSS KiB after rounds: \(warm), \(after), \(third)")
    }
}
