import Foundation
import HTTPTypes
import Hummingbird
import JSONText
import NIOCore
import RPCRuntime
import TaskContract

/// The one error shape the gateway answers with:
/// `{"error": {"code", "message", "reason"?, "details": [{"field", "issue"}], "requestId"}}`.
/// Every error the gateway meets (invalid body, RPC failure, unknown route) becomes one of these;
/// none carries a stack trace or an upstream's raw text.
public struct APIErrorResponse: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: RPCError.Code
    public var message: String
    public var reason: String?
    public var details: [FieldViolation]
    public var retryAfterSeconds: Int?
    public var extraHeaders: HTTPFields

    public init(
        code: RPCError.Code, message: String, reason: String? = nil, details: [FieldViolation] = [],
        retryAfterSeconds: Int? = nil, status: HTTPResponse.Status? = nil, extraHeaders: HTTPFields = [:]
    ) {
        self.code = code
        self.message = message
        self.reason = reason
        self.details = details
        self.retryAfterSeconds = retryAfterSeconds ?? ((code == .resourceExhausted || code == .unavailable) ? 1 : nil)
        self.status = status ?? Self.httpStatus(for: code, reason: reason)
        self.extraHeaders = extraHeaders
    }

    /// gRPC code to HTTP status, as grpc-gateway maps them; the spec's two exceptions are a
    /// blocked prompt or answer (422) and a body over the limit (413, passed as `status`).
    public static func httpStatus(for code: RPCError.Code, reason: String?) -> HTTPResponse.Status {
        if code == .failedPrecondition && reason == "CONTENT_BLOCKED" { return .init(code: 422, reasonPhrase: "Unprocessable Content") }
        switch code {
        case .ok: return .ok
        case .cancelled: return .init(code: 499, reasonPhrase: "Client Closed Request")
        case .unknown, .internal, .dataLoss: return .internalServerError
        case .invalidArgument, .failedPrecondition, .outOfRange: return .badRequest
        case .deadlineExceeded: return .gatewayTimeout
        case .notFound: return .notFound
        case .alreadyExists, .aborted: return .conflict
        case .permissionDenied: return .forbidden
        case .unauthenticated: return .unauthorized
        case .resourceExhausted: return .tooManyRequests
        case .unimplemented: return .notImplemented
        case .unavailable: return .serviceUnavailable
        }
    }

    /// Whatever was thrown, as the error the client sees.
    public static func from(_ error: any Error) -> APIErrorResponse {
        switch error {
        case let error as APIErrorResponse:
            return error
        case let error as RequestValidationError:
            return APIErrorResponse(code: .invalidArgument, message: "the request is invalid", reason: "INVALID_REQUEST", details: error.violations)
        case let error as RPCError:
            let retryAfter = error.retryAfter.map { max(1, Int(($0.components.seconds) + ($0.components.attoseconds > 0 ? 1 : 0))) }
            return APIErrorResponse(
                code: error.code == .ok ? .internal : error.code,
                message: Self.publicMessage(for: error),
                reason: error.reason == "NOT_STARTED" ? "SERVICE_UNAVAILABLE" : error.reason,
                details: error.fieldViolations.map { FieldViolation(field: $0.field, issue: $0.issue) },
                retryAfterSeconds: retryAfter
            )
        case let error as HTTPError:
            switch error.status.code {
            case 413: return .bodyTooLarge
            case 404: return APIErrorResponse(code: .notFound, message: "no such endpoint")
            case 405: return APIErrorResponse(code: .unimplemented, message: "method not allowed", status: .methodNotAllowed)
            default:
                let code: RPCError.Code = error.status.code < 500 ? .invalidArgument : .internal
                return APIErrorResponse(code: code, message: error.status.reasonPhrase.lowercased(), status: error.status)
            }
        case is NIOTooManyBytesError:
            // Any body collected past a limit (a chunked one has no length to refuse it by).
            return .bodyTooLarge
        default:
            return APIErrorResponse(code: .internal, message: "internal error")
        }
    }

    static let bodyTooLarge = APIErrorResponse(
        code: .invalidArgument, message: "the request body is over the 1 MiB limit", reason: "BODY_TOO_LARGE", status: .contentTooLarge
    )

    /// Connection-level RPC failures read the same to the frontend: the service is unavailable.
    private static func publicMessage(for error: RPCError) -> String {
        switch error.code {
        case .unavailable where error.reason != "GEMINI_QUEUE_FULL" && error.reason?.hasPrefix("UPSTREAM") != true:
            return "the service is unavailable; try again shortly"
        case .deadlineExceeded:
            return "the call did not finish within its deadline"
        default:
            return error.message
        }
    }

    public func response(requestID: String) -> Response {
        var headers = self.extraHeaders
        headers[.contentType] = "application/json; charset=utf-8"
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        return Response(status: self.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: self.jsonBody(requestID: requestID))))
    }

    /// `{"error": {…}}`: the body of an error response, and the data of a stream's `error` event.
    public func jsonBody(requestID: String) -> Data {
        var error: [(key: String, value: JSONValue)] = [
            ("code", .string(self.code.name)),
            ("message", .string(self.message)),
        ]
        if let reason { error.append(("reason", .string(reason))) }
        error.append(("details", .array(self.details.map { .object([("field", .string($0.field)), ("issue", .string($0.issue))]) })))
        error.append(("requestId", .string(requestID)))
        return JSONValue.object([("error", .object(error))]).jsonData()
    }
}

extension HTTPField.Name {
    static let retryAfter = HTTPField.Name("Retry-After")!
    static let requestID = HTTPField.Name("X-Request-Id")!
}
