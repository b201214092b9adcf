import Hummingbird
import JSONText

/// Errors in Google's JSON format: `{"error": {"code", "message", "status", "details"}}`.
enum GoogleError {
    static func response(
        status: Int,
        statusName: String? = nil,
        message: String? = nil,
        details: [JSONValue] = []
    ) -> Response {
        let name = statusName ?? canonicalName(for: status)
        var error: [JSONValue.Member] = [
            ("code", .integer(status)),
            ("message", .string(message ?? defaultMessage(for: status))),
            ("status", .string(name)),
        ]
        if !details.isEmpty { error.append(("details", .array(details))) }
        return jsonResponse(status: status, body: .object([("error", .object(error))]))
    }

    /// 403 for a request without `x-goog-api-key`.
    static func missingKey() -> Response {
        response(
            status: 403,
            statusName: "PERMISSION_DENIED",
            message: "Method doesn't allow unregistered callers (callers without established identity). "
                + "Please use API Key or other form of API consumer identity to call this API."
        )
    }

    /// 400 `API_KEY_INVALID` for a wrong key.
    static func invalidKey() -> Response {
        let message = "API key not valid. Please pass a valid API key."
        return response(
            status: 400,
            statusName: "INVALID_ARGUMENT",
            message: message,
            details: [
                .object([
                    ("@type", .string("type.googleapis.com/google.rpc.ErrorInfo")),
                    ("reason", .string("API_KEY_INVALID")),
                    ("domain", .string("googleapis.com")),
                    ("metadata", ["service": "generativelanguage.googleapis.com"]),
                ]),
                .object([
                    ("@type", .string("type.googleapis.com/google.rpc.LocalizedMessage")),
                    ("locale", .string("en-US")),
                    ("message", .string(message)),
                ]),
            ]
        )
    }

    /// 400 for a request with fields Google does not know, as Google words it.
    static func unknownFields(_ violations: [RequestShape.Violation]) -> Response {
        response(
            status: 400,
            statusName: "INVALID_ARGUMENT",
            message: violations.map(\.description).joined(separator: "\n"),
            details: [
                .object([
                    ("@type", .string("type.googleapis.com/google.rpc.BadRequest")),
                    ("fieldViolations", .array(violations.map { violation in
                        var entry: [JSONValue.Member] = []
                        if !violation.path.isEmpty { entry.append(("field", .string(violation.path))) }
                        entry.append(("description", .string(violation.description)))
                        return .object(entry)
                    })),
                ]),
            ]
        )
    }

    /// 404 for a model that is not served, or a method that is not simulated.
    static func modelNotFound(_ model: String, method: String) -> Response {
        response(
            status: 404,
            statusName: "NOT_FOUND",
            message: "models/\(model) is not found for API version v1beta, or is not supported for \(method). "
                + "Call ListModels to see the list of available models and their supported methods."
        )
    }

    /// 429 with `RetryInfo` when `retryDelay` is given.
    static func rateLimited(model: String, retryDelay: String?) -> Response {
        var details: [JSONValue] = [
            .object([
                ("@type", .string("type.googleapis.com/google.rpc.QuotaFailure")),
                (
                    "violations",
                    .array([
                        .object([
                            ("quotaMetric", .string("generativelanguage.googleapis.com/generate_content_free_tier_requests")),
                            ("quotaId", .string("GenerateRequestsPerMinutePerProjectPerModel-FreeTier")),
                            ("quotaDimensions", ["location": "global", "model": .string(model)]),
                        ])
                    ])
                ),
            ])
        ]
        if let retryDelay {
            details.append(
                .object([
                    ("@type", .string("type.googleapis.com/google.rpc.RetryInfo")),
                    ("retryDelay", .string(retryDelay)),
                ])
            )
        }
        return response(status: 429, details: details)
    }

    static func canonicalName(for status: Int) -> String {
        switch status {
        case 400: "INVALID_ARGUMENT"
        case 401: "UNAUTHENTICATED"
        case 403: "PERMISSION_DENIED"
        case 404: "NOT_FOUND"
        case 409: "ABORTED"
        case 429: "RESOURCE_EXHAUSTED"
        case 499: "CANCELLED"
        case 500: "INTERNAL"
        case 501: "UNIMPLEMENTED"
        case 503: "UNAVAILABLE"
        case 504: "DEADLINE_EXCEEDED"
        case 400..<500: "FAILED_PRECONDITION"
        default: "UNKNOWN"
        }
    }

    static func defaultMessage(for status: Int) -> String {
        switch status {
        case 400: "Request contains an invalid argument."
        case 403: "The caller does not have permission"
        case 404: "Requested entity was not found."
        case 429:
            "You exceeded your current quota, please check your plan and billing details. For more information on this "
                + "error, head to: https://ai.google.dev/gemini-api/docs/rate-limits."
        case 500:
            "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"
        case 503: "The model is overloaded. Please try again later."
        case 504: "The request timed out. Please try again."
        default: "The simulator was asked to fail with HTTP \(status)."
        }
    }
}

/// A JSON response with Google's content type.
func jsonResponse(status: Int, body: JSONValue) -> Response {
    jsonResponse(status: status, text: body.jsonString())
}

func jsonResponse(status: Int, text: String) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "application/json; charset=UTF-8"
    return Response(
        status: HTTPResponse.Status(code: status),
        headers: headers,
        body: ResponseBody(byteBuffer: ByteBuffer(string: text))
    )
}
