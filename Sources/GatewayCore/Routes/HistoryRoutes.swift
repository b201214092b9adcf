import Foundation
import GatewayStore
import HTTPTypes
import Hummingbird
import JSONText
import TaskContract

/// A user's saved results and usage, under `/api/v1` (bearer token as for every call): each
/// user sees only their own rows, and another user's id is 404, never 403.
///
/// - `GET /history?kind=&limit=&cursor=`: newest first, keyset-paginated.
/// - `GET /history/{id}`: one item with its `result` exactly as first returned.
/// - `DELETE /history/{id}`: 204, or 404.
/// - `DELETE /me/data`: 204 after erasing every saved result, usage row and remembered
///   idempotent answer of the user.
/// - `GET /usage?from=&to=`: the caller's calls and tokens, by task and model.
///
/// Query parameters are read as strictly as bodies: an unknown or repeated one, a `limit`
/// out of 1–100, an unknown `kind`, a cursor not of the form this server writes, or a time that
/// is not RFC 3339 (an empty value included) is 400 naming the parameter. A database that does
/// not answer is 503.
struct HistoryRoutes {
    let persistence: Persistence
    let limits: CallLimits

    static let paths: [(path: String, methods: [HTTPRequest.Method])] = [
        ("api/v1/history", [.get]),
        ("api/v1/history/{id}", [.get, .delete]),
        ("api/v1/me/data", [.delete]),
        ("api/v1/usage", [.get]),
    ]
    /// `limit` when none is given: 20.
    static let defaultLimit = 20
    /// The usage period when `from` is not given: the 30 days before `to`.
    static let defaultUsagePeriod: TimeInterval = 30 * 86_400

    func register(on api: RouterGroup<GatewayRequestContext>) {
        api.get("history") { request, context in
            let query = try QueryParameters(request.uri.query, allowed: ["kind", "limit", "cursor"])
            let kind = try query.value("kind").map { text -> ResultKind in
                guard let kind = ResultKind(rawValue: text) else {
                    throw query.invalid("kind", "must be one of \(ResultKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return kind
            }
            let limit = try query.value("limit").map { text -> Int in
                guard let limit = Int(text), (1...100).contains(limit), text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                    throw query.invalid("limit", "must be an integer from 1 to 100")
                }
                return limit
            } ?? Self.defaultLimit
            let cursor = try query.value("cursor").map { text -> HistoryCursor in
                guard let cursor = HistoryCursor(token: text) else { throw query.invalid("cursor", "is not a cursor this API returns (a nextCursor)") }
                return cursor
            }
            let user = Self.user(context)
            let page = try await self.persistence.read("history") { try await $0.history(user: user, kind: kind, limit: limit, after: cursor) }
            let body = JSONValue.object([
                ("items", .array(page.items.map { .object(Self.summary($0)) })),
                ("nextCursor", page.nextCursor.map { .string($0.token) } ?? .null),
            ])
            return AIRoutes.json(body.jsonData())
        }
        api.get("history/:id") { request, context in
            _ = try QueryParameters(request.uri.query, allowed: [])
            guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Self.notFound }
            let user = Self.user(context)
            guard let item = try await self.persistence.read("history_item", { try await $0.result(user: user, id: id) }), let result = item.result else {
                throw Self.notFound
            }
            // The saved bytes go out as they are: `result` is the answer exactly as first returned.
            var body = JSONValue.object(Self.summary(item)).jsonData().dropLast()
            body.append(contentsOf: Array(#","result":"#.utf8))
            body.append(result)
            body.append(UInt8(ascii: "}"))
            return AIRoutes.json(Data(body))
        }
        api.delete("history/:id") { request, context in
            _ = try QueryParameters(request.uri.query, allowed: [])
            guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw Self.notFound }
            let user = Self.user(context)
            guard try await self.persistence.read("delete_item", { try await $0.deleteResult(user: user, id: id) }) else { throw Self.notFound }
            return Response(status: .noContent)
        }
        api.delete("me/data") { request, context in
            _ = try QueryParameters(request.uri.query, allowed: [])
            let subject = context.userID ?? AuthMiddleware.developmentUserID
            let user = StoreUserID.uuid(forSubject: subject)
            try await self.persistence.read("erase_user") { try await $0.eraseUser(user) }
            self.limits.forget(user: subject)
            context.logger.info("user data erased")
            return Response(status: .noContent)
        }
        api.get("usage") { request, context in
            let query = try QueryParameters(request.uri.query, allowed: ["from", "to"])
            let to = try query.value("to").map { try Self.time($0, name: "to", in: query) } ?? Date()
            let from = try query.value("from").map { try Self.time($0, name: "from", in: query) } ?? to.addingTimeInterval(-Self.defaultUsagePeriod)
            // `from` at or after `to` is an empty period: nothing was used in it.
            let user = Self.user(context)
            let summary = try await self.persistence.read("usage") { try await $0.usage(user: user, from: from, to: to) }
            let body = JSONValue.object([
                ("from", .string(RFC3339.string(from))),
                ("to", .string(RFC3339.string(to))),
                ("total", .object([("calls", .integer(summary.calls))] + Self.tokens(summary.usage))),
                ("byTask", .array(summary.byTask.map { row in
                    .object([("task", .string(row.task)), ("model", .string(row.model)), ("calls", .integer(row.calls))] + Self.tokens(row.usage))
                })),
            ])
            return AIRoutes.json(body.jsonData())
        }
    }

    static let notFound = APIErrorResponse(code: .notFound, message: "no such saved result", reason: "RESULT_NOT_FOUND")

    private static func user(_ context: GatewayRequestContext) -> UUID {
        StoreUserID.uuid(forSubject: context.userID ?? AuthMiddleware.developmentUserID)
    }

    /// `{id, kind, title, createdAt, model, usage}`.
    private static func summary(_ item: SavedResult) -> [(key: String, value: JSONValue)] {
        [
            ("id", .string(item.id.uuidString.lowercased())),
            ("kind", .string(item.kind.rawValue)),
            ("title", .string(item.title)),
            ("createdAt", .string(RFC3339.string(item.createdAt))),
            ("model", .string(item.model)),
            ("usage", .object(Self.tokens(item.usage))),
        ]
    }

    private static func tokens(_ usage: TokenUsage) -> [(key: String, value: JSONValue)] {
        [
            ("promptTokens", .integer(usage.promptTokens)), ("outputTokens", .integer(usage.outputTokens)),
            ("thoughtsTokens", .integer(usage.thoughtsTokens)), ("totalTokens", .integer(usage.totalTokens)),
        ]
    }

    private static func time(_ text: String, name: String, in query: QueryParameters) throws(APIErrorResponse) -> Date {
        guard let date = RFC3339.date(text) else { throw query.invalid(name, "must be an RFC 3339 time such as 2026-12-01T00:00:00Z") }
        return date
    }
}

/// A query string read strictly: each parameter at most once, none but the allowed ones.
struct QueryParameters {
    private var values: [String: String] = [:]

    init(_ query: String?, allowed: Set<String>) throws(APIErrorResponse) {
        guard let query, !query.isEmpty else { return }
        var violations: [FieldViolation] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            guard let name, let value else {
                violations.append(FieldViolation(field: String(parts[0].prefix(100)), issue: "is not valid percent-encoding"))
                continue
            }
            if !allowed.contains(name) {
                violations.append(FieldViolation(field: String(name.prefix(100)), issue: "is not a known parameter"))
            } else if self.values[name] != nil {
                violations.append(FieldViolation(field: name, issue: "is given more than once"))
            } else {
                self.values[name] = value
            }
        }
        guard violations.isEmpty else { throw Self.error(violations) }
    }

    /// The parameter's value; nil when absent. An empty value (`?kind=`) is a value, refused
    /// where the parameter's form does not allow it, as the API reference says.
    func value(_ name: String) -> String? {
        self.values[name]
    }

    func invalid(_ name: String, _ issue: String) -> APIErrorResponse {
        Self.error([FieldViolation(field: name, issue: issue)])
    }

    private static func error(_ violations: [FieldViolation]) -> APIErrorResponse {
        APIErrorResponse(code: .invalidArgument, message: "the request is invalid", reason: "INVALID_REQUEST", details: violations)
    }

    private static func decode(_ text: Substring) -> String? {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}

/// RFC 3339 times: written in UTC with microseconds; read as RFC 3339 §5.6 writes them
/// (`T` or `t` or a space, any number of fraction digits, `Z`/`z` or an offset), years 1–9999.
enum RFC3339 {
    /// `2026-12-01T09:30:00.123456Z`: UTC, microseconds (the tables' resolution), rounded.
    static func string(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let fraction = micros - seconds * 1_000_000
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(seconds)))
        func two(_ value: Int?) -> String { let v = value ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        let year = String(parts.year ?? 0)
        let micro = String(fraction)
        return String(repeating: "0", count: max(0, 4 - year.count)) + year + "-" + two(parts.month) + "-" + two(parts.day) + "T"
            + two(parts.hour) + ":" + two(parts.minute) + ":" + two(parts.second) + "."
            + String(repeating: "0", count: 6 - micro.count) + micro + "Z"
    }

    static func date(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.count <= 64 else { return nil }
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + digits] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            index += digits
            return value
        }
        func expect(_ allowed: [UInt8]) -> Bool {
            guard index < bytes.count, allowed.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect([0x2D]), let month = number(2), expect([0x2D]), let day = number(2),
              expect([0x54, 0x74, 0x20]),  // T, t or a space
              let hour = number(2), expect([0x3A]), let minute = number(2), expect([0x3A]), let second = number(2)
        else { return nil }
        var fraction = 0.0
        if index < bytes.count, bytes[index] == 0x2E {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                fraction += Double(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offset = 0
        if expect([0x5A, 0x7A]) {  // Z or z
            offset = 0
        } else {
            guard index < bytes.count, bytes[index] == 0x2B || bytes[index] == 0x2D else { return nil }
            let sign = bytes[index] == 0x2D ? -1 : 1
            index += 1
            guard let hours = number(2), expect([0x3A]), let minutes = number(2), hours <= 23, minutes <= 59 else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        }
        guard index == bytes.count, year >= 1, (1...12).contains(month), hour <= 23, minute <= 59, second <= 60 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        guard let days = calendar.range(of: .day, in: .month, for: calendar.date(from: DateComponents(year: year, month: month, day: 1))!),
              days.contains(day),
              let midnight = calendar.date(from: DateComponents(year: year, month: month, day: day))
        else { return nil }
        // A leap second (…:60) counts as the next second's start.
        return midnight.addingTimeInterval(Double(hour * 3600 + minute * 60 + second - offset) + fraction)
    }
}
