import AsyncHTTPClient
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat

/// A client of the Gemini REST API (`v1beta`), safe to share between tasks.
///
/// Each call:
/// - waits for one of ``GeminiClientConfiguration/maxInFlight`` permits in a queue of at most
///   ``GeminiClientConfiguration/maxQueued``; beyond it fails at once (`UNAVAILABLE`);
/// - sends the key only in the `x-goog-api-key` header: never in the URL, a log line, an error
///   or a metric label;
/// - retries as ``GeminiRetryPolicy`` says, never past its deadline;
/// - stops at its deadline (`DEADLINE_EXCEEDED`) and when its task is cancelled (`CANCELLED`),
///   the HTTP request included;
/// - turns blocked, truncated, empty and unreadable answers into ``GeminiError``s.
///
/// Call ``shutdown()`` when done (or use ``withClient(configuration:httpClient:logger:_:)``).
public final class GeminiClient: Sendable {
    let apiKey: String
    let baseURL: String
    let httpClient: HTTPClient
    private let ownsHTTPClient: Bool
    let retry: GeminiRetryPolicy
    let maxResponseBytes: Int
    let limiter: CallLimiter
    let logger: Logger
    let metrics = GeminiMetrics()
    let isShutDown = NIOLockedValueBox(false)

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - configuration: Endpoint, key and limits.
    ///   - httpClient: A shared `HTTPClient` to use; the caller keeps it and shuts it down. When
    ///     `nil` (the default) the client makes its own pooled one (no redirects followed,
    ///     ``GeminiClientConfiguration/maxInFlight`` connections per host), shut down by
    ///     ``shutdown()``.
    ///   - logger: Where the client logs, at debug level only. Default: no logging.
    public init(configuration: GeminiClientConfiguration, httpClient: HTTPClient? = nil, logger: Logger? = nil) {
        self.apiKey = configuration.apiKey
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        if let httpClient {
            self.httpClient = httpClient
            self.ownsHTTPClient = false
        } else {
            var httpConfiguration = HTTPClient.Configuration()
            httpConfiguration.redirectConfiguration = .disallow
            httpConfiguration.timeout = .init(connect: configuration.connectTimeout)
            httpConfiguration.connectionPool = .init(
                idleTimeout: .seconds(60),
                concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, configuration.maxInFlight)
            )
            self.httpClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfiguration)
            self.ownsHTTPClient = true
        }
        self.retry = configuration.retry
        self.maxResponseBytes = configuration.maxResponseBytes
        self.limiter = CallLimiter(maxInFlight: configuration.maxInFlight, maxQueued: configuration.maxQueued)
        self.logger = logger ?? Logger(label: "gemini", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    /// Runs `body` with a new client and shuts the client down afterwards, whether `body`
    /// returns or throws.
    public static func withClient<Result>(
        configuration: GeminiClientConfiguration,
        httpClient: HTTPClient? = nil,
        logger: Logger? = nil,
        _ body: (GeminiClient) async throws -> Result
    ) async throws -> Result {
        let client = GeminiClient(configuration: configuration, httpClient: httpClient, logger: logger)
        let result: Result
        do {
            result = try await body(client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        return result
    }

    /// Refuses new calls and shuts down the `HTTPClient` if this client created it. Calls in
    /// flight fail. Calling it again does nothing.
    public func shutdown() async throws {
        let first = isShutDown.withLockedValue { shutDown in
            defer { shutDown = true }
            return !shutDown
        }
        guard first, ownsHTTPClient else { return }
        try await httpClient.shutdown()
    }

    /// Calls in flight and waiting for a permit now.
    public var load: (inFlight: Int, queued: Int) { limiter.snapshot }

    /// Asks `model` to answer `request`: `POST {baseURL}/v1beta/models/{model}:generateContent`.
    ///
    /// - Parameters:
    ///   - model: A model name such as `gemini-2.5-flash` (a `models/` prefix is accepted).
    ///   - request: The prompt and options.
    ///   - deadline: When the call must be over, queueing, retries and waits included.
    /// - Returns: A response that passed ``GenerateContentResponse/validate()``: it has answer
    ///   text or a function call.
    /// - Throws: ``GeminiError`` only.
    public func generateContent(
        model: String,
        request: GenerateContentRequest,
        deadline: NIODeadline
    ) async throws -> GenerateContentResponse {
        let call = CallRecord(model: model, logger: self.logger, metrics: self.metrics)
        do {
            let response = try await self.send(model: try call.validModelName(), request: request, deadline: deadline, logger: call.logger)
            call.succeeded(usage: response.usage)
            return response
        } catch {
            throw call.failed(error)
        }
    }

    // MARK: - The call

    /// What both the unary and the streaming call check before anything is sent: the client
    /// is open, the request encodes, the deadline has not passed, the task is not cancelled.
    func requestBody(_ request: GenerateContentRequest, deadline: NIODeadline) throws(GeminiError) -> ByteBuffer {
        guard !isShutDown.withLockedValue({ $0 }) else { throw GeminiError(kind: .shutdown) }
        let body: ByteBuffer
        do {
            body = ByteBuffer(data: try JSONEncoder().encode(request))
        } catch {
            throw GeminiError(kind: .invalidRequest, detail: "the request could not be encoded")
        }
        guard deadline > .now() else { throw GeminiError(kind: .deadlineExceeded) }
        guard !Task.isCancelled else { throw GeminiError(kind: .cancelled) }
        return body
    }

    private func send(
        model: String,
        request: GenerateContentRequest,
        deadline: NIODeadline,
        logger: Logger
    ) async throws(GeminiError) -> GenerateContentResponse {
        let body = try self.requestBody(request, deadline: deadline)

        let url = "\(baseURL)/v1beta/models/\(model):generateContent"
        let attempts = AttemptCounter()
        do {
            return try await Self.withDeadline(deadline, attempts: attempts) {
                try await self.limiter.acquire()
                defer { self.limiter.release() }
                let response = try await self.sendWithRetries(
                    url: url, body: body, model: model, deadline: deadline, attempts: attempts, logger: logger
                )
                // Before the checks: a blocked or truncated answer cost its tokens too.
                GeminiUsageMeter.spent(model: model, usage: response.usage)
                do throws(GeminiError) {
                    try response.validate()
                } catch {
                    var error = error
                    error.attempts = attempts.value
                    throw error
                }
                return response
            }
        } catch let error as GeminiError {
            throw error
        } catch {
            throw GeminiError(kind: .cancelled, attempts: attempts.value)
        }
    }

    private func sendWithRetries(
        url: String,
        body: ByteBuffer,
        model: String,
        deadline: NIODeadline,
        attempts: AttemptCounter,
        logger: Logger
    ) async throws(GeminiError) -> GenerateContentResponse {
        var retryIndex = 0
        while true {
            guard !Task.isCancelled else { throw GeminiError(kind: .cancelled, attempts: attempts.value) }
            attempts.increment()
            let failure: AttemptFailure
            switch await attempt(url: url, body: body, deadline: deadline) {
            case .success(let response): return response
            case .failure(let attemptFailure): failure = attemptFailure
            }
            try await waitBeforeRetry(
                after: failure, retryIndex: retryIndex, deadline: deadline, attempts: attempts, model: model, logger: logger
            )
            retryIndex += 1
        }
    }

    /// Throws the failure's error (with the attempt count) when it must not be retried: not
    /// retryable, retries used up, or the wait would pass the deadline. Otherwise waits
    /// (Gemini's `RetryInfo` delay, or backoff with jitter) and returns.
    func waitBeforeRetry(
        after failure: AttemptFailure,
        retryIndex: Int,
        deadline: NIODeadline,
        attempts: AttemptCounter,
        model: String,
        logger: Logger
    ) async throws(GeminiError) {
        var error = failure.error
        error.attempts = attempts.value
        let failureMetadata: Logger.Metadata = [
            "gemini.attempt": "\(attempts.value)",
            "gemini.retry_cause": "\(failure.cause)",
            "gemini.transport_error": "\(failure.transportDetail ?? "-")",
        ]
        guard failure.retryable, retryIndex < retry.maxRetries else {
            logger.debug("gemini attempt failed; not retried", metadata: failureMetadata)
            throw error
        }
        let wait = error.retryDelay ?? retry.jitter(retry.backoffCeiling(retry: retryIndex))
        guard wait.timeAmount < deadline - .now() else {
            logger.debug("gemini retry would pass the deadline", metadata: failureMetadata)
            throw error
        }
        metrics.recordRetry(model: model, cause: failure.cause)
        logger.debug(
            "gemini retrying",
            metadata: failureMetadata.merging(["gemini.retry_delay_ms": "\(wait.nanoseconds / 1_000_000)"]) { _, new in new }
        )
        do {
            try await retry.sleep(wait)
        } catch {
            throw GeminiError(kind: .cancelled, attempts: attempts.value)
        }
    }

    struct AttemptFailure: Error {
        var error: GeminiError
        var retryable: Bool
        /// `http_<status>` or `connection`: the retry metric's label.
        var cause: String
        /// For a transport failure, which one (`HTTPClientError`'s short description, e.g.
        /// "get connection from pool timeout", or the error's type): logged with the retry,
        /// never put in a metric label or an answer. Holds no URL and no header.
        var transportDetail: String?
    }

    /// One HTTP request; never throws, so the retry loop sees every outcome.
    private func attempt(url: String, body: ByteBuffer, deadline: NIODeadline) async -> Result<GenerateContentResponse, AttemptFailure> {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "x-goog-api-key", value: apiKey)
        request.body = .bytes(body)

        let status: Int
        let bytes: ByteBuffer
        do {
            let response = try await httpClient.execute(request, deadline: deadline)
            status = Int(response.status.code)
            bytes = try await response.body.collect(upTo: maxResponseBytes)
        } catch is NIOTooManyBytesError {
            return .failure(AttemptFailure(error: GeminiError(kind: .malformedResponse, detail: "the response is too large"), retryable: false, cause: "size"))
        } catch {
            return .failure(Self.classifyTransportError(error))
        }

        guard (200..<300).contains(status) else {
            return .failure(classifyStatus(status, body: bytes))
        }
        do {
            return .success(try JSONDecoder().decode(GenerateContentResponse.self, from: bytes))
        } catch {
            return .failure(AttemptFailure(error: GeminiError(kind: .malformedResponse, httpStatus: status), retryable: false, cause: "decode"))
        }
    }

    func classifyStatus(_ status: Int, body: ByteBuffer) -> AttemptFailure {
        classifyStatus(status, upstream: try? JSONDecoder().decode(GoogleErrorEnvelope.self, from: body))
    }

    func classifyStatus(_ status: Int, upstream: GoogleErrorEnvelope?) -> AttemptFailure {
        let upstreamStatus = upstream?.error.status
        let retryDelay = upstream?.error.retryDelay
        let kind: GeminiError.Kind
        switch status {
        case 429: kind = .rateLimited
        case 500...599: kind = .unavailable
        default: kind = .upstreamRejected
        }
        return AttemptFailure(
            error: GeminiError(kind: kind, httpStatus: status, upstreamStatus: upstreamStatus, retryDelay: retryDelay),
            retryable: retry.retryableStatusCodes.contains(status),
            cause: "http_\(status)"
        )
    }

    static func classifyTransportError(_ error: any Error) -> AttemptFailure {
        if error is CancellationError || Task.isCancelled {
            return AttemptFailure(error: GeminiError(kind: .cancelled), retryable: false, cause: "cancelled")
        }
        if let httpError = error as? HTTPClientError {
            switch httpError {
            case .deadlineExceeded:
                return AttemptFailure(error: GeminiError(kind: .deadlineExceeded), retryable: false, cause: "deadline")
            case .cancelled:
                return AttemptFailure(error: GeminiError(kind: .cancelled), retryable: false, cause: "cancelled")
            case .alreadyShutdown:
                return AttemptFailure(error: GeminiError(kind: .shutdown), retryable: false, cause: "shutdown")
            case .invalidURL, .emptyHost, .emptyScheme:
                return AttemptFailure(
                    error: GeminiError(kind: .invalidRequest, detail: "the base URL is not valid"),
                    retryable: false,
                    cause: "url"
                )
            default:
                break
            }
            if httpError.shortDescription.hasPrefix("Unsupported scheme") {
                return AttemptFailure(
                    error: GeminiError(kind: .invalidRequest, detail: "the base URL is not valid"),
                    retryable: false,
                    cause: "url"
                )
            }
        }
        return AttemptFailure(
            error: GeminiError(kind: .connectionFailed), retryable: true, cause: "connection",
            transportDetail: Self.transportDetail(error)
        )
    }

    /// What went wrong on the wire, without the URL or any header: `HTTPClientError`'s short
    /// description, or the error's type name (NIO's connection errors describe their target
    /// host, which is not secret, but their type says enough).
    static func transportDetail(_ error: any Error) -> String {
        if let httpError = error as? HTTPClientError { return httpError.shortDescription }
        return String(describing: type(of: error))
    }

    // MARK: - Helpers

    /// Model names are plain identifiers (`gemini-2.5-flash`): letters, digits, `.`, `-`, `_`,
    /// at most 128 characters. Anything else is refused before a request is made.
    static func isValidModelName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128
            && name.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-"
                    || $0 == "_"
            }
    }

    /// Runs `operation` until `deadline`; when the deadline comes first the operation is
    /// cancelled and `deadlineExceeded` thrown.
    static func withDeadline<T: Sendable>(
        _ deadline: NIODeadline,
        attempts: AttemptCounter,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                let remaining = deadline - .now()
                if remaining > .zero {
                    try await Task.sleep(nanoseconds: UInt64(remaining.nanoseconds))
                }
                throw GeminiError(kind: .deadlineExceeded, attempts: attempts.value)
            }
            defer { group.cancelAll() }
            do {
                guard let value = try await group.next() else { throw GeminiError(kind: .cancelled) }
                return value
            } catch let error as GeminiError {
                if error.kind == .cancelled, deadline <= .now(), !Task.isCancelled {
                    throw GeminiError(kind: .deadlineExceeded, attempts: attempts.value)
                }
                throw error
            }
        }
    }
}

/// Counts the HTTP requests of one call across tasks.
final class AttemptCounter: Sendable {
    private let count = NIOLockedValueBox(0)
    var value: Int { count.withLockedValue { $0 } }
    func increment() { count.withLockedValue { $0 += 1 } }
}

/// Google's error body: `{"error": {"code", "message", "status", "details": [...]}}`. Only
/// `status` and `RetryInfo.retryDelay` are used; `message` is never shown.
struct GoogleErrorEnvelope: Decodable {
    struct Body: Decodable {
        var code: Int?
        var status: String?
        var details: [JSONValue]?

        /// `retryDelay` of the `google.rpc.RetryInfo` detail.
        var retryDelay: Duration? {
            for detail in details ?? [] where detail["@type"]?.stringValue == "type.googleapis.com/google.rpc.RetryInfo" {
                if let text = detail["retryDelay"]?.stringValue, let duration = Duration(protobufJSON: text) {
                    return duration
                }
            }
            return nil
        }
    }

    var error: Body
}

extension Duration {
    /// Parses a protobuf JSON duration: decimal seconds with an `s` suffix (`"2s"`, `"0.5s"`,
    /// `"38.123456s"`). Negative or malformed values give `nil`.
    init?(protobufJSON text: String) {
        guard text.hasSuffix("s") else { return nil }
        let number = text.dropLast()
        let pieces = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let secondsText = pieces.first, !secondsText.isEmpty, secondsText.allSatisfy(\.isASCII),
            let seconds = Int64(secondsText), seconds >= 0, seconds < 1_000_000_000
        else { return nil }
        var nanos: Int64 = 0
        if pieces.count == 2 {
            let fraction = pieces[1]
            guard !fraction.isEmpty, fraction.count <= 9, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            nanos = Int64(fraction.padding(toLength: 9, withPad: "0", startingAt: 0)) ?? 0
        }
        self = .seconds(seconds) + .nanoseconds(nanos)
    }
}

/// What every call records when it ends, unary or streaming: the metric by model and outcome,
/// tokens, and one debug line. The model label is the model's name, or "invalid" for a name
/// that is not one (so a label never carries arbitrary caller text).
struct CallRecord {
    let modelName: String
    let modelLabel: String
    var logger: Logger
    private let isValidModel: Bool
    private let metrics: GeminiMetrics
    private let started = ContinuousClock.now

    init(model: String, logger: Logger, metrics: GeminiMetrics, streaming: Bool = false) {
        self.modelName = model.hasPrefix("models/") ? String(model.dropFirst("models/".count)) : model
        self.isValidModel = GeminiClient.isValidModelName(self.modelName)
        self.modelLabel = self.isValidModel ? self.modelName : "invalid"
        self.metrics = metrics
        self.logger = logger
        self.logger[metadataKey: "gemini.model"] = "\(self.modelLabel)"
        if streaming { self.logger[metadataKey: "gemini.stream"] = "true" }
    }

    func validModelName() throws(GeminiError) -> String {
        guard self.isValidModel else { throw GeminiError(kind: .invalidRequest, detail: "the model name is not valid") }
        return self.modelName
    }

    func succeeded(usage: GeminiUsage, metadata: Logger.Metadata = [:]) {
        self.metrics.recordCall(model: self.modelLabel, outcome: "ok", durationNanoseconds: (ContinuousClock.now - self.started).nanoseconds)
        self.metrics.recordTokens(model: self.modelLabel, usage: usage)
        self.logger.debug("gemini call succeeded", metadata: metadata.merging(["gemini.outcome": "ok"]) { _, new in new })
    }

    /// Records the failure and returns it as the client's error type.
    func failed(_ error: any Error, metadata: Logger.Metadata = [:]) -> GeminiError {
        let geminiError = error as? GeminiError ?? GeminiError(kind: .malformedResponse)
        self.metrics.recordCall(model: self.modelLabel, outcome: geminiError.kind.name, durationNanoseconds: (ContinuousClock.now - self.started).nanoseconds)
        self.logger.debug(
            "gemini call failed",
            metadata: metadata.merging([
                "gemini.outcome": "\(geminiError.kind.name)",
                "gemini.code": "\(geminiError.code.name)",
                "gemini.attempts": "\(geminiError.attempts)",
            ]) { _, new in new }
        )
        return geminiError
    }
}
