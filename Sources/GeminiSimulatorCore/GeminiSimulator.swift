/// A deterministic local stand-in for the Gemini REST API (`v1beta`), for offline runs, demos
/// and tests.
///
/// ## Serving
/// `POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent` for
/// `gemini-2.5-flash`, `gemini-2.5-pro` and `gemini-2.5-flash-lite`
/// (``GeminiSimulatorConfiguration/models``). In order:
/// 1. The key: only the `x-goog-api-key` header counts (a `?key=` query parameter is ignored, so
///    a client that puts the key in the URL fails here). Missing: 403 `PERMISSION_DENIED`
///    ("Method doesn't allow unregistered callers …"). Wrong: 400 `INVALID_ARGUMENT` with an
///    `ErrorInfo` detail, reason `API_KEY_INVALID`.
/// 2. The model: another model is 404 `NOT_FOUND` ("models/x is not found for API version
///    v1beta …"); methods other than those two are 404.
/// 3. The body: not JSON, a field Gemini's `GenerateContentRequest` does not have (Google's
///    "Unknown name … Cannot find field." message and `BadRequest` detail, see
///    ``RequestShape``), or no `contents`, is 400 `INVALID_ARGUMENT`; `gemini-2.5-pro` with
///    `thinkingBudget: 0` is 400 (that model only works in thinking mode).
/// 4. The answer, the same for the same request every time (all choices derive from a stable
///    hash of the prompt: system instruction, every turn's text and function results):
///    - With `generationConfig.responseSchema` or `responseJsonSchema`: JSON text that validates
///      against it. Objects get every listed property (in `propertyOrdering`, then `required`,
///      then name order); arrays 3 items, clamped to `minItems`/`maxItems`; `enum` a member
///      chosen by the hash; integers and numbers a value within `minimum`/`maximum`; strings the
///      property name and the prompt's 8-hex-digit digest (dates, emails and URIs for those
///      `format`s, padded or cut to `minLength`/`maxLength`); `anyOf`/`oneOf` the first
///      non-null option; `$ref` to `$defs`/`definitions` followed.
///    - With `responseMimeType: application/json` and no schema: `{"answer": …, "model": …}`.
///    - With `tools[].functionDeclarations`: when the last user turn contains a declared
///      function's name (or the mode is `ANY`: the first allowed function), a `functionCall` part
///      with arguments generated from the function's `parameters` schema as above; a turn that
///      carries a `functionResponse` gets text. Mode `NONE` never calls.
///    - Otherwise: markdown naming the model, the prompt digest and the start of the last user
///      turn.
///    - `finishReason: STOP`; `usageMetadata` with `promptTokenCount` ≈ prompt characters / 4,
///      `candidatesTokenCount` ≈ answer characters / 4, `thoughtsTokenCount` when the model
///      thinks (`thinkingBudget` > 0: at most the budget; -1 or unset: always, except
///      `gemini-2.5-flash-lite`; 0: never), `totalTokenCount` their sum; `modelVersion` (the
///      model) and a `responseId`. With `includeThoughts`, a `thought: true` part comes first;
///      a function call made while thinking carries a `thoughtSignature`.
///    - An answer longer than `maxOutputTokens` is cut to it with `finishReason: MAX_TOKENS`.
/// 5. Streaming (`:streamGenerateContent?alt=sse`): the same answer as the unary endpoint, as
///    Server-Sent Events (`Content-Type: text/event-stream`), each `data: {GenerateContentResponse}`
///    followed by `\r\n\r\n`. Without `alt=sse` the same chunks come as one JSON array, as
///    Google does. Answer text (markdown, or the JSON text of a schema answer) is cut into
///    consecutive pieces, one per chunk: at least 3 (fewer only for a text under 3 characters),
///    about one per 100 characters, at most 16. A thought part (with `includeThoughts`) comes in
///    a chunk of its own first; a function call comes whole in one chunk. Every chunk carries
///    `modelVersion`, `responseId` and cumulative `usageMetadata` (`candidatesTokenCount` counts
///    the text sent so far; the last chunk's counts equal the unary answer's); only the last
///    carries `finishReason`. The stream ends when the body ends; there is no `[DONE]` event.
///
/// ## Faults (for tests)
/// A fault spec is tokens separated by `,` (e.g. `latency=200ms,status=503`):
/// - `latency=<n>ms|<n>s`: wait before answering (then answer normally, or fail as below).
/// - `status=<400…599>`: answer with that status in Google's error format (429 carries
///   `QuotaFailure` and `RetryInfo`; 503 says "The model is overloaded").
/// - `retry-delay=<n>s|none`: the 429's `RetryInfo.retryDelay` (default `1s`).
/// - `hang`: hold the request until the client goes away or ``GeminiSimulatorConfiguration/hangLimit``
///   passes (then 504).
/// - `malformed-json`: 200 with a body that is cut off mid-JSON.
/// - `malformed-output`: 200 whose model text is not valid JSON.
/// - `safety-block`: no candidates, `promptFeedback.blockReason: SAFETY`.
/// - `finish=<REASON>`: the candidate ends with that reason (`SAFETY`, `RECITATION`,
///   `PROHIBITED_CONTENT`, `BLOCKLIST`, `SPII` carry no content).
/// - `max-tokens`: the answer cut in half with `finishReason: MAX_TOKENS`.
/// - `empty`: a candidate whose content has no parts. `no-candidates`: no candidates at all.
/// - `trailing-newline`: the answer text, and every string of a JSON answer or of a function
///   call's arguments, ends with `\n` (as real models' often do), so a test can tell whether
///   anything between the model and the user trims it.
///
/// While streaming, `latency`, `status` and `hang` act before the first chunk (the error is an
/// ordinary HTTP error response), and:
/// - `chunk-delay=<n>ms|<n>s`: wait that long between chunks.
/// - `reset`: send the first chunk, then drop the connection without ending the body.
/// - `malformed-json`: send the first chunk, then a `data:` line that is not JSON, then end.
/// - `safety-block`: one chunk with `promptFeedback.blockReason: SAFETY` and no candidates.
/// - `finish=<blocking reason>`: the first piece of text, then a chunk with that finish reason
///   and no content. Other `finish=` reasons replace the last chunk's `STOP`.
/// - `max-tokens`: half the answer, in chunks, the last with `finishReason: MAX_TOKENS`.
/// - `empty` and `no-candidates`: one chunk, as for the unary endpoint.
///
/// A spec applies to one request when sent in its `x-simulator-fault` header, or to the next
/// `count` generate requests without that header when queued with `POST /simulator/faults`.
/// An unknown spec is 400.
///
/// ## Admin endpoints (no key needed: the simulator is a loopback tool)
/// - `POST /simulator/faults` `{"fault": "status=503", "count": 2}` (`count` defaults to 1):
///   queue a fault. `GET` lists the queue; `DELETE` clears it.
/// - `GET /simulator/requests`: `{"requests": [...]}`, the last
///   ``GeminiSimulatorConfiguration/maxRecordedRequests`` generate requests, oldest first, each
///   with `sequence`, `method`, `path`, `query`, `model`, `apiKeyPresent`, `apiKeyValid`,
///   `headers` (the key's value redacted), `fault`, `status`, `receivedAtMs` (wall clock, ms
///   since 1970) and `body` (parsed JSON, or a string when it is not JSON); a streaming request
///   also has `stream`: `{"chunksSent": n, "outcome":
///   "streaming"|"completed"|"client-disconnected"|"reset", "endedAtMs": t|null}`. A stream or
///   a `hang` ends as soon as the client closes its connection (a hang is then recorded as 499). The answer also has
///   `disconnectsMidStream` (below). `DELETE` clears the requests (not the counters).
/// - `GET /simulator/stats`: `{"streamsStarted", "streamsCompleted", "streamResets",
///   "disconnectsMidStream"}`, counters since the simulator started. A stream counts as
///   disconnected when a chunk (or the end of the body) could not be written because the client
///   had gone away. That is noticed by writing: on loopback usually at the second write after the
///   client closed (the first one draws the reset), so within two `chunk-delay`s.
/// - `GET /healthz`: `{"status": "ok"}`.
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Where the simulator listens and what it accepts. Each default is stated on its member.
public struct GeminiSimulatorConfiguration: Sendable {
    /// Address to bind. Default `127.0.0.1`.
    public var host: String
    /// Port to bind; 0 picks a free one. Default 7199.
    public var port: Int
    /// The only API key accepted. Default `simulator-key`.
    public var apiKey: String
    /// Models served. Default `gemini-2.5-flash`, `gemini-2.5-pro`, `gemini-2.5-flash-lite`.
    public var models: Set<String>
    /// Added before every answer. Default none.
    public var latency: Duration
    /// Longest a `hang` fault holds a request before answering 504. Default 30 s.
    public var hangLimit: Duration
    /// Generate requests remembered for `GET /simulator/requests`. Default 100.
    public var maxRecordedRequests: Int
    /// Largest request body read. Default 8 MiB.
    public var maxRequestBytes: Int

    public static let defaultModels: Set<String> = ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite"]

    public init(
        host: String = "127.0.0.1",
        port: Int = 7199,
        apiKey: String = "simulator-key",
        models: Set<String> = GeminiSimulatorConfiguration.defaultModels,
        latency: Duration = .zero,
        hangLimit: Duration = .seconds(30),
        maxRecordedRequests: Int = 100,
        maxRequestBytes: Int = 8 * 1024 * 1024
    ) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.models = models
        self.latency = latency
        self.hangLimit = hangLimit
        self.maxRecordedRequests = maxRecordedRequests
        self.maxRequestBytes = maxRequestBytes
    }

    /// A setting that cannot be used; its description is one line naming it.
    public struct InvalidSetting: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads `PORT` (default 7199), `HOST` (default `127.0.0.1`), `GEMINI_API_KEY` (default
    /// `simulator-key`) and `SIMULATOR_LATENCY` (a duration such as `200ms` or `2s` added to
    /// every answer, for load tests that hold calls; default none) from `environment`; other
    /// settings keep their defaults.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(InvalidSetting) -> GeminiSimulatorConfiguration {
        var configuration = GeminiSimulatorConfiguration()
        if let port = environment["PORT"], !port.isEmpty {
            guard let value = Int(port), (0...65535).contains(value) else {
                throw InvalidSetting(description: "PORT must be a number from 0 to 65535")
            }
            configuration.port = value
        }
        if let host = environment["HOST"], !host.isEmpty { configuration.host = host }
        if let key = environment["GEMINI_API_KEY"] {
            guard !key.isEmpty else { throw InvalidSetting(description: "GEMINI_API_KEY must not be empty when set") }
            configuration.apiKey = key
        }
        if let latency = environment["SIMULATOR_LATENCY"], !latency.isEmpty {
            guard let value = Fault.parseDuration(latency) else {
                throw InvalidSetting(description: "SIMULATOR_LATENCY must be a duration such as 200ms or 2s")
            }
            configuration.latency = value
        }
        return configuration
    }
}

/// A simulator running in this process.
public struct RunningGeminiSimulator: Sendable {
    /// The bound port.
    public let port: Int
    /// The key it accepts.
    public let apiKey: String
    /// `http://127.0.0.1:{port}` (the configured host): the client's base URL.
    public let baseURL: String
}

/// Builds the simulator's application (the one place where its parts are wired).
///
/// - Parameters:
///   - configuration: Address, key and limits.
///   - logger: The application's logger. Default: label `gemini-simulator`, level from
///     `LOG_LEVEL` (`info`).
///   - onServerRunning: Called with the bound port once the server listens.
public func buildGeminiSimulator(
    configuration: GeminiSimulatorConfiguration,
    logger: Logger? = nil,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    var logger = logger ?? Logger(label: "gemini-simulator")
    if logger.logLevel == .info, let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) {
        logger.logLevel = level
    }
    let simulator = Simulator(configuration: configuration)
    let router = Router(context: BasicRequestContext.self)
    simulator.addRoutes(to: router)
    let host = configuration.host
    let startLogger = logger
    return Application(
        router: router,
        // A deep accept queue, as Google's front ends have: a service opening thousands of
        // streams at once must not lose SYNs here (Hummingbird's default backlog is 256).
        configuration: .init(address: .hostname(host, port: configuration.port), serverName: "gemini-simulator", backlog: 4096),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            startLogger.info(
                "Gemini simulator listening",
                metadata: ["simulator.address": "http://\(host):\(port)"]
            )
            await onServerRunning(port)
        },
        logger: logger
    )
}

/// Runs the simulator until SIGTERM or SIGINT, then shuts down gracefully.
public func runGeminiSimulator(configuration: GeminiSimulatorConfiguration, logger: Logger? = nil) async throws {
    try await buildGeminiSimulator(configuration: configuration, logger: logger).runService()
}

/// Runs a simulator in this process for the duration of `body`, then stops it.
///
/// The configuration's port defaults to 0 here (a free port); read it from the
/// ``RunningGeminiSimulator`` passed to `body`.
public func withGeminiSimulator<Result: Sendable>(
    configuration: GeminiSimulatorConfiguration = GeminiSimulatorConfiguration(port: 0),
    logger: Logger? = nil,
    _ body: @Sendable (RunningGeminiSimulator) async throws -> Result
) async throws -> Result {
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let logger = logger ?? Logger(label: "gemini-simulator", factory: { _ in SwiftLogNoOpLogHandler() })
    let application = buildGeminiSimulator(configuration: configuration, logger: logger) { port in
        portContinuation.yield(port)
        portContinuation.finish()
    }
    // Run as a service so that it can be shut down gracefully: a server that is cancelled
    // instead traps on a connection it accepted but had not served yet ("Deinited
    // NIOAsyncWriter without calling finish()", apple/swift-nio#3481).
    let services = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: [], logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            defer { portContinuation.finish() }
            try await services.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            // The server stopped before listening: surface its error.
            try await group.waitForAll()
            throw GeminiSimulatorConfiguration.InvalidSetting(description: "the simulator could not start")
        }
        let running = RunningGeminiSimulator(port: port, apiKey: configuration.apiKey, baseURL: "http://\(configuration.host):\(port)")
        let result: Result
        do {
            result = try await body(running)
        } catch {
            await stopGracefully(services, in: &group)
            throw error
        }
        await stopGracefully(services, in: &group)
        return result
    }
}

/// Stops accepting connections, lets the requests in progress finish for up to 5 s (a `hang`
/// fault would hold one for much longer), then cancels what is left.
private func stopGracefully(_ services: ServiceGroup, in group: inout ThrowingTaskGroup<Void, any Error>) async {
    await services.triggerGracefulShutdown()
    group.addTask { try? await Task.sleep(for: .seconds(5)) }
    _ = try? await group.next()
    group.cancelAll()
}
