import GatewayStore
import Tracing

/// Runs one database operation within `limit` (``bounded(_:_:)``) in a client span after
/// OpenTelemetry's database conventions: named by the operation (`save_result`, `rate_limit`,
/// `history`, …), with `db.system.name` and `db.operation.name`, and on failure `error.type`
/// (the error's fixed description, ``Persistence/describe(_:)``). Never a query or its values:
/// they hold personal data.
func databaseCall<T: Sendable>(
    _ operation: String,
    on store: any Sendable,
    within limit: Duration,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let span = startSpan(operation, ofKind: .client)
    defer { span.end() }
    if span.isRecording {
        span.attributes["db.system.name"] = store is PostgresStore ? "postgresql" : "sqlite"
        span.attributes["db.operation.name"] = operation
    }
    do {
        return try await bounded(limit, body)
    } catch {
        if span.isRecording {
            span.attributes["error.type"] = Persistence.describe(error)
            span.setStatus(SpanStatus(code: .error))
        }
        throw error
    }
}
