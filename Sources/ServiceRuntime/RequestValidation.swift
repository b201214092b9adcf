import NIOCore
import RPCRuntime
import TaskContract

/// When no deadline came with the call: 120 s, the gateway's default `CALL_TIMEOUT_SECONDS`.
public func callDeadline(_ context: ServerCallContext) -> NIODeadline {
    context.deadline ?? .now() + .seconds(120)
}

/// Collects every invalid field of a request, named as the HTTP API names them
/// (`options.jobDescription`, `currentRole`), then refuses the request with all of them.
public struct RequestValidation: Sendable {
    public private(set) var violations: [RPCError.FieldViolation] = []

    public init() {}

    /// `value` must hold more than whitespace and be at most `limit` characters.
    public mutating func requireText(_ value: String, field: String, limit: Int) {
        if value.isBlank {
            self.violations.append(.init(field: field, issue: "is required"))
        } else {
            self.limit(value, field: field, to: limit)
        }
    }

    /// An optional text: at most `limit` characters.
    public mutating func limit(_ value: String, field: String, to limit: Int) {
        if InputLimits.length(of: value) > limit {
            self.violations.append(.init(field: field, issue: "must be at most \(limit) characters"))
        }
    }

    public mutating func require(_ present: Bool, field: String) {
        if !present { self.violations.append(.init(field: field, issue: "is required")) }
    }

    public mutating func add(field: String, issue: String) {
        self.violations.append(.init(field: field, issue: issue))
    }

    /// Throws `INVALID_ARGUMENT` naming every violation, when there is one.
    public func check() throws(RPCError) {
        guard !self.violations.isEmpty else { return }
        throw RPCError(invalidArgument: self.violations)
    }
}

extension RPCError {
    /// `INVALID_ARGUMENT` naming every violation (at least one).
    public init(invalidArgument violations: [RPCError.FieldViolation]) {
        let first = violations[0]
        let message = violations.count == 1
            ? "\(first.field) \(first.issue)"
            : "\(violations.count) fields are invalid, first \(first.field) \(first.issue)"
        self.init(code: .invalidArgument, message: message, fieldViolations: violations)
    }

    /// `INVALID_ARGUMENT` for a request a shape refused (``ShapeMapping/check(_:_:)``).
    public init(_ error: RequestValidationError) {
        self.init(invalidArgument: error.violations.map { RPCError.FieldViolation(field: $0.field, issue: $0.issue) })
    }
}

extension RequestShape {
    /// Checks a request received over the RPC by the shape the gateway reads its body with
    /// (other backend services call the service directly): `INVALID_ARGUMENT` naming every
    /// problem.
    public func checkOnArrival(_ request: Message) throws(RPCError) {
        do {
            try self.check(request)
        } catch {
            throw RPCError(error)
        }
    }
}
