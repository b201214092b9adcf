import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

// How one failed HTTP attempt is read: the error the caller gets, whether to retry, and the
// labels the retry is logged and counted under. The unary and the streaming call read failures
// through these same functions.
extension GeminiClient {
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
}
