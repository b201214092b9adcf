import AppSupport
import AsyncHTTPClient
import CareerProto
import CareerRPC
import Foundation
import GenerationTasks
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import RPCRuntime
import TestSupport

@testable import GatewayCore

/// Both services in one in-process RPC server, registered for the real method descriptors,
/// answering from a script: fixed unary answers, streams of deltas then `done`, streams that
/// fail or hold open until cancelled. Records every call and every cancellation it sees.
final class FakeCareerServices: Sendable {
    /// How the streaming methods behave.
    enum StreamScript: Sendable {
        /// Deltas, then `done`.
        case complete
        /// Fails before the first event.
        case failBeforeFirst(RPCError)
        /// One delta, then fails.
        case failAfterFirst(RPCError)
        /// One delta, then waits until cancelled.
        case holdAfterFirst
        /// Nothing for a while (a model thinking), then deltas and `done`.
        case thinkThenComplete(Duration)
        /// Nothing for a while, then fails.
        case thinkThenFail(Duration, RPCError)
        /// Nothing until cancelled.
        case holdBeforeFirst
    }

    private let calls = NIOLockedValueBox<[String: Int]>([:])
    private let events = NIOLockedValueBox<[String]>([])
    private let script = NIOLockedValueBox(StreamScript.complete)
    private let unaryFailure = NIOLockedValueBox<RPCError?>(nil)
    private let unaryGate = NIOLockedValueBox<AsyncStream<Void>?>(nil)
    private let gateOpener = NIOLockedValueBox<AsyncStream<Void>.Continuation?>(nil)

    static let briefAnswer = Career_V1_TextAnswer.with {
        $0.text = "Hello world"
        $0.model = "gemini-2.5-flash"
        $0.usage = .with { $0.promptTokens = 3; $0.outputTokens = 2; $0.totalTokens = 5 }
    }
    static let documentsAnswer = Career_V1_GenerateDocumentsResponse.with {
        $0.resume = "# Resume"
        $0.coverLetter = "Dear team"
        $0.model = "gemini-2.5-flash"
    }
    static let chatAnswer = Career_V1_ChatResponse.with {
        $0.text = "Updated."
        $0.action = .with { $0.updateSummary = .with { $0.newSummary = "Builder of things." } }
        $0.turnState = "signed-state"
        $0.model = "gemini-2.5-pro"
    }
    static let questionsAnswer = Career_V1_InterviewQuestionsResponse.with {
        $0.questions = [.with { $0.question = "Why Swift?"; $0.type = .technical; $0.why = "Core skill." }]
        $0.model = "gemini-2.5-flash"
    }

    /// Calls seen for a method path (e.g. `InterviewQuestionsTask.definition.method.path`).
    func callCount(_ path: String) -> Int { self.calls.withLockedValue { $0[path] ?? 0 } }
    /// E.g. "stream cancelled".
    var observed: [String] { self.events.withLockedValue { $0 } }

    func setStreamScript(_ script: StreamScript) { self.script.withLockedValue { $0 = script } }
    /// The next unary call fails with `error`.
    func failNextUnary(_ error: RPCError) { self.unaryFailure.withLockedValue { $0 = error } }

    /// Unary calls wait until ``openGate()``.
    func closeGate() {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        self.unaryGate.withLockedValue { $0 = stream }
        self.gateOpener.withLockedValue { $0 = continuation }
    }

    func openGate() {
        self.gateOpener.withLockedValue { $0?.finish() }
    }

    private func record(_ path: String) { self.calls.withLockedValue { $0[path, default: 0] += 1 } }
    private func note(_ event: String) { self.events.withLockedValue { $0.append(event) } }

    private func unary<Response>(_ path: String, _ answer: Response) async throws -> Response {
        self.record(path)
        if let gate = self.unaryGate.withLockedValue({ $0 }) {
            for await _ in gate {}
        }
        if let failure = self.unaryFailure.withLockedValue({ error in defer { error = nil }; return error }) {
            throw failure
        }
        return answer
    }

    /// Plays the script: `deltas`, then `done`.
    private func stream<Event>(_ path: String, writer: ResponseWriter<Event>, deltas: [Event], done: Event) async throws {
        self.record(path)
        switch self.script.withLockedValue({ $0 }) {
        case .complete:
            for delta in deltas { try await writer.write(delta) }
            try await writer.write(done)
        case .failBeforeFirst(let error):
            throw error
        case .failAfterFirst(let error):
            try await writer.write(deltas[0])
            throw error
        case .holdAfterFirst:
            try await writer.write(deltas[0])
            try await self.hold()
        case .thinkThenComplete(let thinking):
            try await Task.sleep(for: thinking)
            for delta in deltas { try await writer.write(delta) }
            try await writer.write(done)
        case .thinkThenFail(let thinking, let error):
            try await Task.sleep(for: thinking)
            throw error
        case .holdBeforeFirst:
            try await self.hold()
        }
    }

    /// Waits until cancelled, noting both.
    private func hold() async throws {
        self.note("stream holding")
        do {
            try await Task.sleep(for: .seconds(60))
        } catch {
            self.note("stream cancelled")
            throw error
        }
    }

    var router: RPCRouter {
        var router = RPCRouter()
        router.register(InterviewQuestionsTask.definition.method) { [self] _, _ in
            try await self.unary(InterviewQuestionsTask.definition.method.path, Self.questionsAnswer)
        }
        router.register(NetworkingTasks.brief.method) { [self] _, _ in
            try await self.unary(NetworkingTasks.brief.method.path, Self.briefAnswer)
        }
        router.register(NetworkingTasks.reachOut.method) { [self] _, _ in
            try await self.unary(NetworkingTasks.reachOut.method.path, Self.briefAnswer)
        }
        router.register(NetworkingTasks.reachOut.streamMethod) { [self] _, writer, _ in
            try await self.stream(
                NetworkingTasks.reachOut.streamMethod.path, writer: writer,
                deltas: [.with { $0.delta.text = "Hi Grace" }], done: .with { $0.done = Self.briefAnswer }
            )
        }
        router.register(GenerationMethods.generateDocuments) { [self] _, _ in
            try await self.unary(GenerationMethods.generateDocuments.path, Self.documentsAnswer)
        }
        router.register(CoachMethods.chat) { [self] _, _ in
            try await self.unary(CoachMethods.chat.path, Self.chatAnswer)
        }
        router.register(NetworkingTasks.brief.streamMethod) { [self] _, writer, _ in
            try await self.stream(
                NetworkingTasks.brief.streamMethod.path, writer: writer,
                deltas: [.with { $0.delta.text = "Hello " }, .with { $0.delta.text = "world" }],
                done: .with { $0.done = Self.briefAnswer }
            )
        }
        router.register(GenerationMethods.streamDocuments) { [self] _, writer, _ in
            try await self.stream(
                GenerationMethods.streamDocuments.path, writer: writer,
                deltas: [
                    .with { $0.delta = .with { $0.document = .resume; $0.text = "# Resume" } },
                    .with { $0.delta = .with { $0.document = .coverLetter; $0.text = "Dear team" } },
                ],
                done: .with { $0.done = Self.documentsAnswer }
            )
        }
        router.register(CoachMethods.streamChat) { [self] _, writer, _ in
            try await self.stream(
                CoachMethods.streamChat.path, writer: writer,
                deltas: [.with { $0.delta.text = "Updated." }, .with { $0.action = Self.chatAnswer.action }],
                done: .with { $0.done = Self.chatAnswer }
            )
        }
        return router
    }
}

/// Valid bodies for the endpoints the tests call.
enum Bodies {
    static let questions = #"{"jobDescription":"Senior Swift engineer"}"#
    static let brief = #"{"profile":{"fullName":"Ada Lovelace"},"counterpartInfo":"Grace, compiler engineer"}"#
    static let documents = #"{"profile":{"fullName":"Ada Lovelace"},"options":{"jobDescription":"Senior Swift engineer"}}"#
    static let thinkingDocuments = #"{"profile":{"fullName":"Ada Lovelace"},"options":{"jobDescription":"Senior Swift engineer","thinkingMode":true}}"#
    static let chat = #"{"message":"Improve my summary","history":[],"profile":{"fullName":"Ada Lovelace"}}"#
}

/// Runs `body` against a gateway whose services are `services`, in process (`.router`) or
/// over a real socket (`.live`). Authentication is off unless `environment` turns it on.
func withFakeGateway(
    _ services: FakeCareerServices = FakeCareerServices(),
    environment: [String: String] = [:],
    framework: TestingSetup = .router,
    pingInterval: Duration = .seconds(15),
    metrics: GatewayMetrics = GatewayMetrics(),
    limiter: RateLimiter? = nil,
    verifier: (any TokenVerifier)? = nil,
    logger: Logger = quietLogger,
    _ body: @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    var settings = ["RPC_INSECURE": "1"]
    if verifier == nil { settings["AUTH_DISABLED"] = "1" } else { settings["SUPABASE_JWT_SECRET"] = testSecret }
    settings.merge(environment) { _, new in new }
    var configuration = try GatewayConfiguration(reader: ConfigurationReader(environment: settings))
    configuration.streamPingInterval = pingInterval
    try await withRPCServer(RPCServerConfiguration(token: nil), router: services.router) { _, address in
        let generation = try RPCClient(target: address.target, configuration: .init(token: nil), logger: quietLogger)
        let coach = try RPCClient(target: address.target, configuration: .init(token: nil), logger: quietLogger)
        let router = buildRouter(
            configuration: configuration, generation: generation, coach: coach, verifier: verifier,
            metrics: metrics, limiter: limiter
        )
        let app = Application(router: router, logger: logger)
        try await app.test(framework) { client in try await body(client) }
        generation.shutDown()
        coach.shutDown()
    }
}

extension TestClientProtocol {
    /// A `POST` of a JSON body with extra headers.
    func post(_ path: String, _ json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var all = headers
        all[.contentType] = "application/json"
        return try await self.execute(uri: path, method: .post, headers: all, body: ByteBuffer(string: json))
    }
}

extension TestResponse {
    var text: String { String(buffer: self.body) }

    /// `error.<key>` of an error body.
    func errorField(_ key: String) -> String? {
        let json = try? JSONSerialization.jsonObject(with: Data(self.body.readableBytesView)) as? [String: Any]
        return (json?["error"] as? [String: Any])?[key] as? String
    }
}

/// A `POST` over its own connection (AsyncHTTPClient), for calls after a stream, which closes
/// its connection.
func postOverNewConnection(port: Int?, _ path: String, _ json: String, headers: [(String, String)] = []) async throws -> (status: Int, contentType: String?, text: String) {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port ?? 0)\(path)")
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    request.body = .bytes(ByteBuffer(string: json))
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    let body = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), response.headers.first(name: "Content-Type"), String(buffer: body))
}

/// The events of a Server-Sent Events body: (name, data) in order; comments as ("comment", text).
func serverSentEvents(_ text: String) -> [(name: String, data: String)] {
    text.components(separatedBy: "\n\n").compactMap { block in
        guard !block.isEmpty else { return nil }
        var name = "message"
        var data = ""
        for line in block.split(separator: "\n") {
            if line.hasPrefix(":") { return ("comment", String(line.dropFirst()).trimmingCharacters(in: .whitespaces)) }
            if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
        }
        return (name, data)
    }
}

/// Keeps every log line, with its metadata, for tests that check what is logged.
final class CapturedLogs: Sendable {
    struct Line: Sendable {
        var message: String
        var metadata: [String: String]
    }

    private let box = NIOLockedValueBox<[Line]>([])
    var lines: [Line] { self.box.withLockedValue { $0 } }

    var logger: Logger {
        Logger(label: "captured") { _ in Handler(logs: self) }
    }

    fileprivate func append(_ line: Line) { self.box.withLockedValue { $0.append(line) } }

    private struct Handler: LogHandler {
        let logs: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { self.metadata[key] }
            set { self.metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = self.metadata.merging(event.metadata ?? [:]) { _, new in new }
            self.logs.append(Line(message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }
}
