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
    /// The base URL's host, for the attempt spans' `server.address`.
    let serverAddress: String?
    /// The HTTP connections to Gemini: one AsyncHTTPClient pool, or several when
    /// ``GeminiClientConfiguration/maxInFlight`` is large (``UpstreamPools``).
    let pools: UpstreamPools
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
    ///     `nil` (the default) the client makes its own pooled ones (no redirects followed,
    ///     ``GeminiClientConfiguration/maxInFlight`` connections per host between them), shut
    ///     down by ``shutdown()``.
    ///   - logger: Where the client logs, at debug level only. Default: no logging.
    public init(configuration: GeminiClientConfiguration, httpClient: HTTPClient? = nil, logger: Logger? = nil) {
        self.apiKey = configuration.apiKey
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.serverAddress = GeminiTracing.serverAddress(of: base)
        if let httpClient {
            self.pools = UpstreamPools(shared: httpClient)
        } else {
            self.pools = UpstreamPools(maxInFlight: configuration.maxInFlight) { connectionLimit in
                var httpConfiguration = HTTPClient.Configuration()
                httpConfiguration.redirectConfiguration = .disallow
                // Each attempt has its own span (GeminiTracing), with the model, the attempt and
                // the tokens; AsyncHTTPClient's generic one per request would only repeat it.
                httpConfiguration.tracing.tracer = nil
                httpConfiguration.timeout = .init(connect: configuration.connectTimeout)
                httpConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionLimit)
                return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfiguration)
            }
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

    /// Refuses new calls and shuts down the `HTTPClient`s this client created. Calls in
    /// flight fail. Calling it again does nothing.
    public func shutdown() async throws {
        let first = isShutDown.withLockedValue { shutDown in
            defer { shutDown = true }
            return !shutDown
        }
        guard first else { return }
        try await pools.shutdown()
    }

    /// Calls in flight and waiting for a permit now.
    public var load: (inFlight: Int, queued: Int) { limiter.snapshot }

    // MARK: - What both calls share

    /// What both the unary and the streaming call check before anything is sent: the client
    /// is open, the request encodes, the deadline has not passed, the task is not cancelled.
    func requestBody(_ request: GenerateContentRequest, deadline: NIODeadline) throws(GeminiError) -> ByteBuffer {
        guard !isShutDown.withLockedValue({ $0 }) else { throw GeminiError(kind: .shutdown) }
        guard let bytes = RequestBodyWriter.body(of: request) else {
            throw GeminiError(kind: .invalidRequest, detail: "the request could not be encoded")
        }
        let body = ByteBuffer(bytes: bytes)
        guard deadline > .now() else { throw GeminiError(kind: .deadlineExceeded) }
        guard !Task.isCancelled else { throw GeminiError(kind: .cancelled) }
        return body
    }

    /// The POST of a request body, with the key in the `x-goog-api-key` header: the one place a
    /// request gets the key, so it is never put in the URL.
    func httpRequest(url: String, body: ByteBuffer, accept: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "Accept", value: accept)
        request.headers.add(name: "x-goog-api-key", value: apiKey)
        request.body = .bytes(body)
        return request
    }
}
