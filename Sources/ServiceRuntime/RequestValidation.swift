import NIOCore
import RPCRuntime

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
        if value.count > limit {
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
        guard let first = self.violations.first else { return }
        let message = self.violations.count == 1
            ? "\(first.field) \(first.issue)"
            : "\(self.violations.count) fields are invalid, first \(first.field) \(first.issue)"
        throw RPCError(code: .invalidArgument, message: message, fieldViolations: self.violations)
    }
}

extension String {
    public var isBlank: Bool { self.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
}
