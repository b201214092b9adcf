import RPCProto

/// The one error type of the RPC: a gRPC canonical code, a message safe to show a developer, and
/// the structured details the gateway turns into its error body.
public struct RPCError: Error, Sendable, CustomStringConvertible {
    public var code: Code
    /// Safe to show to a developer; never an upstream's raw text, a secret or personal data.
    public var message: String
    /// A stable upper-case reason such as `MALFORMED_MODEL_OUTPUT`; nil when none applies.
    public var reason: String?
    /// Every invalid field of a refused request.
    public var fieldViolations: [FieldViolation]
    /// When the caller may retry, for `resourceExhausted` and `unavailable`.
    public var retryAfter: Duration?
    /// The underlying error, for logs at debug level only; never sent over the wire.
    public var cause: (any Error)?
    /// The model tokens the failed call spent, per model, as its status reported them (a
    /// client reads them; a server sends its call's ``ServerCallContext/usage`` instead).
    public var usage: [Career_V1_ModelUsage] = []

    public init(
        code: Code,
        message: String,
        reason: String? = nil,
        fieldViolations: [FieldViolation] = [],
        retryAfter: Duration? = nil,
        cause: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.reason = reason
        self.fieldViolations = fieldViolations
        self.retryAfter = retryAfter
        self.cause = cause
    }

    public var description: String {
        var text = "\(self.code): \(self.message)"
        if let reason { text += " (\(reason))" }
        return text
    }

    public struct FieldViolation: Sendable, Hashable {
        /// A path such as `profile.experience[0].title`.
        public var field: String
        public var issue: String

        public init(field: String, issue: String) {
            self.field = field
            self.issue = issue
        }
    }

    /// gRPC canonical status codes, with gRPC's numbers.
    public enum Code: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case ok = 0
        case cancelled = 1
        case unknown = 2
        case invalidArgument = 3
        case deadlineExceeded = 4
        case notFound = 5
        case alreadyExists = 6
        case permissionDenied = 7
        case resourceExhausted = 8
        case failedPrecondition = 9
        case aborted = 10
        case outOfRange = 11
        case unimplemented = 12
        case `internal` = 13
        case unavailable = 14
        case dataLoss = 15
        case unauthenticated = 16

        /// The canonical upper-case name, e.g. `INVALID_ARGUMENT`: stable, safe as a metric label.
        public var name: String {
            switch self {
            case .ok: "OK"
            case .cancelled: "CANCELLED"
            case .unknown: "UNKNOWN"
            case .invalidArgument: "INVALID_ARGUMENT"
            case .deadlineExceeded: "DEADLINE_EXCEEDED"
            case .notFound: "NOT_FOUND"
            case .alreadyExists: "ALREADY_EXISTS"
            case .permissionDenied: "PERMISSION_DENIED"
            case .resourceExhausted: "RESOURCE_EXHAUSTED"
            case .failedPrecondition: "FAILED_PRECONDITION"
            case .aborted: "ABORTED"
            case .outOfRange: "OUT_OF_RANGE"
            case .unimplemented: "UNIMPLEMENTED"
            case .internal: "INTERNAL"
            case .unavailable: "UNAVAILABLE"
            case .dataLoss: "DATA_LOSS"
            case .unauthenticated: "UNAUTHENTICATED"
            }
        }

        public init?(name: String) {
            guard let code = Self.allCases.first(where: { $0.name == name }) else { return nil }
            self = code
        }

        public var description: String { self.name }
    }
}

/// A domain error that chooses its own RPC status. The server sends any other error as
/// `INTERNAL` with a generic message, so nothing unintended crosses the wire.
public protocol RPCErrorConvertible: Error {
    var rpcError: RPCError { get }
}

extension RPCError: RPCErrorConvertible {
    public var rpcError: RPCError { self }
}

// MARK: - Wire form

extension RPCError {
    /// The error as the `CallStatus` frame carries it.
    var callStatus: Career_V1_CallStatus {
        var status = Career_V1_CallStatus()
        status.code = Career_V1_StatusCode(rawValue: self.code.rawValue) ?? .unknown
        status.message = self.message
        if self.reason != nil || !self.fieldViolations.isEmpty || self.retryAfter != nil {
            var details = Career_V1_ErrorDetails()
            details.reason = self.reason ?? ""
            details.fieldViolations = self.fieldViolations.map { violation in
                var wire = Career_V1_FieldViolation()
                wire.field = violation.field
                wire.issue = violation.issue
                return wire
            }
            if let retryAfter = self.retryAfter {
                details.retryAfterMillis = UInt64(max(0, retryAfter.milliseconds))
            }
            status.details = details
        }
        return status
    }

    /// The error a non-OK `CallStatus` frame describes.
    init(callStatus status: Career_V1_CallStatus) {
        let code = Code(rawValue: status.code.rawValue) ?? .unknown
        let details = status.details
        self.init(
            code: code,
            message: status.message,
            reason: details.reason.isEmpty ? nil : details.reason,
            fieldViolations: details.fieldViolations.map { FieldViolation(field: $0.field, issue: $0.issue) },
            retryAfter: details.retryAfterMillis > 0 ? .milliseconds(Int64(clamping: details.retryAfterMillis)) : nil
        )
        self.usage = status.usage
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
