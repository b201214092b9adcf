import CareerRPC
import Foundation
import GenerationTasks
import HTTPTypes
import HummingbirdTesting
import RPCRuntime
import Testing

@testable import GatewayCore

@Suite struct IdempotencyStoreTests {
    let key = IdempotencyStore.Key(user: "u1", key: "k1")
    let fingerprint = IdempotencyStore.Fingerprint(path: "/api/v1/x", body: Data("{}".utf8))

    @Test func anAnswerIsReplayedForTenMinutes() async throws {
        let clock = ManualClock()
        let store = IdempotencyStore(now: { clock.now })
        guard case .proceed(let ticket) = try await store.claim(self.key, fingerprint: self.fingerprint) else { Issue.record("expected to proceed"); return }
        store.complete(ticket, answer: Data("answer".utf8))
        guard case .replay(let answer) = try await store.claim(self.key, fingerprint: self.fingerprint) else { Issue.record("expected a replay"); return }
        #expect(answer == Data("answer".utf8))
        // Another user's key of the same name is theirs alone.
        guard case .proceed = try await store.claim(.init(user: "u2", key: "k1"), fingerprint: self.fingerprint) else { Issue.record("expected to proceed"); return }
        clock.advance(by: .seconds(601))
        guard case .proceed = try await store.claim(self.key, fingerprint: self.fingerprint) else { Issue.record("expected to proceed after expiry"); return }
    }

    @Test func theSameKeyForAnotherRequestIsAConflict() async throws {
        let store = IdempotencyStore()
        guard case .proceed(let ticket) = try await store.claim(self.key, fingerprint: self.fingerprint) else { return }
        let other = IdempotencyStore.Fingerprint(path: "/api/v1/x", body: Data(#"{"a":1}"#.utf8))
        await #expect(throws: IdempotencyStore.Conflict.self) { try await store.claim(self.key, fingerprint: other) }
        store.complete(ticket, answer: Data())
        await #expect(throws: IdempotencyStore.Conflict.self) { try await store.claim(self.key, fingerprint: other) }
        let otherPath = IdempotencyStore.Fingerprint(path: "/api/v1/y", body: Data("{}".utf8))
        await #expect(throws: IdempotencyStore.Conflict.self) { try await store.claim(self.key, fingerprint: otherPath) }
    }

    @Test func aFailureIsForgottenAndAWaitingDuplicateRunsItself() async throws {
        let store = IdempotencyStore()
        guard case .proceed(let first) = try await store.claim(self.key, fingerprint: self.fingerprint) else { return }
        let key = self.key, fingerprint = self.fingerprint
        let duplicate = Task { try await store.claim(key, fingerprint: fingerprint) }
        store.abandon(first)
        guard case .proceed(let second) = try await duplicate.value else { Issue.record("the duplicate should run"); return }
        store.complete(second, answer: Data("ok".utf8))
        guard case .replay = try await store.claim(key, fingerprint: fingerprint) else { Issue.record("expected a replay"); return }
    }

    @Test func aWaitingDuplicateGetsTheFirstAnswer() async throws {
        let store = IdempotencyStore()
        guard case .proceed(let first) = try await store.claim(self.key, fingerprint: self.fingerprint) else { return }
        let key = self.key, fingerprint = self.fingerprint
        let duplicates = (0..<3).map { _ in Task { try await store.claim(key, fingerprint: fingerprint) } }
        store.complete(first, answer: Data("first".utf8))
        for duplicate in duplicates {
            guard case .replay(let answer) = try await duplicate.value else { Issue.record("expected a replay"); continue }
            #expect(answer == Data("first".utf8))
        }
    }

    @Test func memoryIsBoundedByKeysAndBytes() async throws {
        let store = IdempotencyStore(maxEntries: 3, maxStoredBytes: 10)
        for index in 0..<5 {
            guard case .proceed(let ticket) = try await store.claim(.init(user: "u", key: "k\(index)"), fingerprint: self.fingerprint) else { return }
            store.complete(ticket, answer: Data("abc".utf8))
        }
        #expect(store.count == 3)
        // The oldest went first.
        guard case .proceed = try await store.claim(.init(user: "u", key: "k0"), fingerprint: self.fingerprint) else { Issue.record("k0 should be forgotten"); return }
        guard case .proceed(let big) = try await store.claim(.init(user: "u", key: "big"), fingerprint: self.fingerprint) else { return }
        store.complete(big, answer: Data(repeating: 1, count: 9))
        #expect(store.count <= 2)
    }
}

/// `Idempotency-Key` through the routes, against a service that counts its calls.
@Suite struct IdempotencyRouteTests {
    static let questions = InterviewQuestionsTask.definition.method.path

    @Test func aRepeatGetsTheFirstAnswerWithoutASecondCall() async throws {
        let services = FakeCareerServices()
        let metrics = GatewayMetrics()
        try await withFakeGateway(services, metrics: metrics) { client in
            let headers: HTTPFields = [.idempotencyKey: "key-1"]
            let first = try await client.post("/api/v1/interview/questions", Bodies.questions, headers: headers)
            let second = try await client.post("/api/v1/interview/questions", Bodies.questions, headers: headers)
            #expect(first.status == .ok)
            #expect(second.status == .ok)
            #expect(second.text == first.text)
            #expect(second.headers[.idempotentReplayed] == "true")
            #expect(services.callCount(Self.questions) == 1)
            // Without a key, every call is made.
            _ = try await client.post("/api/v1/interview/questions", Bodies.questions)
            #expect(services.callCount(Self.questions) == 2)
        }
        #expect(String(decoding: metrics.render(), as: UTF8.self).contains("gateway_idempotent_replays_total 1"))
    }

    @Test func theSameKeyWithAnotherBodyIs409() async throws {
        try await withFakeGateway { client in
            let headers: HTTPFields = [.idempotencyKey: "key-2"]
            _ = try await client.post("/api/v1/interview/questions", Bodies.questions, headers: headers)
            let other = try await client.post("/api/v1/interview/questions", #"{"jobDescription":"Chef"}"#, headers: headers)
            #expect(other.status == .conflict)
            #expect(other.errorField("code") == "ABORTED")
            #expect(other.errorField("reason") == "IDEMPOTENCY_KEY_REUSED")
        }
    }

    @Test func failuresAreNotRemembered() async throws {
        let services = FakeCareerServices()
        try await withFakeGateway(services) { client in
            let headers: HTTPFields = [.idempotencyKey: "key-3"]
            services.failNextUnary(RPCError(code: .unavailable, message: "down"))
            let down = try await client.post("/api/v1/interview/questions", Bodies.questions, headers: headers)
            #expect(down.status == .serviceUnavailable)
            let retried = try await client.post("/api/v1/interview/questions", Bodies.questions, headers: headers)
            #expect(retried.status == .ok)
            #expect(services.callCount(Self.questions) == 2)
        }
    }

    @Test func concurrentDuplicatesMakeOneCall() async throws {
        let services = FakeCareerServices()
        services.closeGate()
        try await withFakeGateway(services, framework: .live) { client in
            let headers: HTTPFields = [.idempotencyKey: "key-4"]
            async let first = client.post("/api/v1/interview/questions", Bodies.questions, headers: headers)
            try await waitUntil { services.callCount(Self.questions) == 1 }
            async let second = client.post("/api/v1/interview/questions", Bodies.questions, headers: headers)
            // Give the duplicate time to arrive and wait; opening the gate sooner only makes the
            // test weaker, never wrong.
            try await Task.sleep(for: .milliseconds(200))
            services.openGate()
            let (a, b) = try await (first, second)
            #expect(a.status == .ok && b.status == .ok)
            #expect(a.text == b.text)
            #expect(services.callCount(Self.questions) == 1)
        }
    }

    @Test func aStreamingRepeatGetsOneDoneEvent() async throws {
        let services = FakeCareerServices()
        try await withFakeGateway(services, framework: .live) { client in
            let headers = [("Idempotency-Key", "key-5"), ("Accept", "text/event-stream")]
            let first = try await postOverNewConnection(port: client.port, "/api/v1/networking/brief", Bodies.brief, headers: headers)
            let repeated = try await postOverNewConnection(port: client.port, "/api/v1/networking/brief", Bodies.brief, headers: headers)
            let firstEvents = serverSentEvents(first.text)
            let repeatedEvents = serverSentEvents(repeated.text)
            #expect(firstEvents.map(\.name) == ["delta", "delta", "done"])
            #expect(repeatedEvents.map(\.name) == ["done"])
            #expect(repeatedEvents.first?.data == firstEvents.last?.data)
            #expect(repeated.contentType == "text/event-stream")
            #expect(services.callCount(NetworkingTasks.brief.streamMethod.path) == 1)
            // A unary repeat of the streamed call gets the same answer as JSON.
            let unary = try await postOverNewConnection(port: client.port, "/api/v1/networking/brief", Bodies.brief, headers: [("Idempotency-Key", "key-5")])
            #expect(unary.text == firstEvents.last?.data)
        }
    }

    @Test func aMalformedKeyIs400() async throws {
        try await withFakeGateway { client in
            let response = try await client.post("/api/v1/interview/questions", Bodies.questions, headers: [.idempotencyKey: String(repeating: "k", count: 256)])
            #expect(response.status == .badRequest)
            #expect(response.text.contains("Idempotency-Key"))
        }
    }
}
