import AsyncHTTPClient
import Testing

@testable import GeminiAPI

/// Transport failures are retried as `connection` and say which failure they were (for the
/// retry's debug log line), without any URL or header.
@Suite struct TransportFailureTests {
    struct SocketReset: Error { var url: String }

    @Test func poolTimeoutsAndConnectErrorsAreRetriedConnectionFailuresThatNameThemselves() {
        let poolTimeout = GeminiClient.classifyTransportError(HTTPClientError.getConnectionFromPoolTimeout)
        #expect(poolTimeout.cause == "connection")
        #expect(poolTimeout.retryable)
        #expect(poolTimeout.error.kind == .connectionFailed)
        #expect(poolTimeout.transportDetail == HTTPClientError.getConnectionFromPoolTimeout.shortDescription)

        // Other errors (NIO's connect errors, resets, …) are named by their type only.
        let reset = GeminiClient.classifyTransportError(SocketReset(url: "https://example.com/?key=secret"))
        #expect(reset.transportDetail == "SocketReset")
        #expect(reset.retryable)
    }

    @Test func deadlinesAndCancellationsCarryNoTransportDetail() {
        #expect(GeminiClient.classifyTransportError(HTTPClientError.deadlineExceeded).transportDetail == nil)
        #expect(GeminiClient.classifyTransportError(HTTPClientError.cancelled).transportDetail == nil)
    }
}
