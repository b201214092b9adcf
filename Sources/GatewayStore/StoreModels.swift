import Crypto
import Foundation

/// What kind of answer a saved result is: the spec's `kind` values.
public enum ResultKind: String, Sendable, CaseIterable, Hashable {
    case documents
    case analysis
    case careerPath
    case networkingBrief
    case reachOut
    case interviewQuestions
    case thankYouNote
}

/// Tokens Gemini counted, as answers report them.
public struct TokenUsage: Sendable, Hashable {
    public var promptTokens: Int64
    public var outputTokens: Int64
    public var thoughtsTokens: Int64
    public var totalTokens: Int64

    public init(promptTokens: Int64 = 0, outputTokens: Int64 = 0, thoughtsTokens: Int64 = 0, totalTokens: Int64 = 0) {
        self.promptTokens = promptTokens
        self.outputTokens = outputTokens
        self.thoughtsTokens = thoughtsTokens
        self.totalTokens = totalTokens
    }

    public static let zero = TokenUsage()

    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        TokenUsage(
            promptTokens: lhs.promptTokens + rhs.promptTokens, outputTokens: lhs.outputTokens + rhs.outputTokens,
            thoughtsTokens: lhs.thoughtsTokens + rhs.thoughtsTokens, totalTokens: lhs.totalTokens + rhs.totalTokens
        )
    }
}

/// One saved answer. `result` is the answer's JSON exactly as first returned; nil in history
/// lists, which do not read it.
public struct SavedResult: Sendable, Equatable {
    public var id: UUID
    public var userID: UUID
    public var kind: ResultKind
    public var title: String
    public var model: String
    public var usage: TokenUsage
    public var createdAt: Date
    public var result: Data?

    public init(id: UUID = .timeOrdered(), userID: UUID, kind: ResultKind, title: String, model: String, usage: TokenUsage, createdAt: Date, result: Data?) {
        self.id = id
        self.userID = userID
        self.kind = kind
        self.title = title
        self.model = model
        self.usage = usage
        self.createdAt = StoreTime.truncated(createdAt)
        self.result = result
    }

    /// Times compare within the microsecond the tables hold: a `Date` is binary, and a driver
    /// may truncate where this rounds, so a time read back can be one microsecond off.
    public static func == (lhs: SavedResult, rhs: SavedResult) -> Bool {
        lhs.id == rhs.id && lhs.userID == rhs.userID && lhs.kind == rhs.kind && lhs.title == rhs.title && lhs.model == rhs.model
            && lhs.usage == rhs.usage && abs(StoreTime.microseconds(lhs.createdAt) - StoreTime.microseconds(rhs.createdAt)) <= 1
            && lhs.result == rhs.result
    }
}

/// A page of a user's history, newest first.
public struct HistoryPage: Sendable, Equatable {
    public var items: [SavedResult]
    /// Where the next page starts; nil on the last page.
    public var nextCursor: HistoryCursor?
}

/// Where a history page continues: just after the item with this time and id (keyset
/// pagination on `(created_at, id)`, so that rows inserted meanwhile, which are newer, neither
/// repeat nor hide older ones). Opaque to clients: base64url of `<microseconds>.<uuid>`.
public struct HistoryCursor: Sendable, Equatable {
    public var createdAtMicroseconds: Int64
    public var id: UUID

    public init(createdAtMicroseconds: Int64, id: UUID) {
        self.createdAtMicroseconds = createdAtMicroseconds
        self.id = id
    }

    init(after item: SavedResult) {
        self.init(createdAtMicroseconds: StoreTime.microseconds(item.createdAt), id: item.id)
    }

    /// The text a client sends back: `<microseconds>_<uuid>`, the position after the last item
    /// of a page. Opaque to clients, but every text of this form is a valid position (at worst
    /// one that starts an empty page), so the API reference states the form as a pattern
    /// (``tokenPattern``) and no cursor that matches it is refused.
    public var token: String {
        "\(self.createdAtMicroseconds)_\(self.id.uuidString.lowercased())"
    }

    /// What ``token`` matches, and exactly what ``init(token:)`` reads.
    public static let tokenPattern = "^[0-9]{1,16}_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

    /// Reads a token; nil when it does not have the form of one.
    public init?(token: String) {
        let parts = token.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...16).contains(parts[0].utf8.count), parts[0].utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              let micros = Int64(parts[0]), parts[1].utf8.count == 36, let id = UUID(uuidString: String(parts[1]))
        else { return nil }
        self.init(createdAtMicroseconds: micros, id: id)
    }
}

/// How a call to a service ended, as the ledger records it.
public enum CallStatus: String, Sendable {
    case ok
    case error
    /// Gemini blocked the prompt or the answer.
    case blocked
    /// The client went away, or the call was cancelled.
    case cancelled
}

/// One row of the usage ledger: a gateway call that reached a service.
public struct UsageCall: Sendable, Equatable {
    public var id: UUID
    public var userID: UUID
    /// The task: a result kind's name, `parseProfile` or `coachChat`.
    public var task: String
    public var status: CallStatus
    /// The error's reason when it failed (`MALFORMED_MODEL_OUTPUT`, …).
    public var reason: String?
    /// Tokens per model that spent them, in the order the models answered.
    public var tokensByModel: [ModelTokens]
    public var duration: Duration
    public var streamed: Bool
    public var replayed: Bool
    public var requestID: String
    public var createdAt: Date

    public struct ModelTokens: Sendable, Equatable {
        public var model: String
        public var usage: TokenUsage

        public init(model: String, usage: TokenUsage) {
            self.model = model
            self.usage = usage
        }
    }

    public init(
        id: UUID = .timeOrdered(), userID: UUID, task: String, status: CallStatus, reason: String? = nil, tokensByModel: [ModelTokens],
        duration: Duration, streamed: Bool, replayed: Bool, requestID: String, createdAt: Date
    ) {
        self.id = id
        self.userID = userID
        self.task = task
        self.status = status
        self.reason = reason
        self.tokensByModel = tokensByModel
        self.duration = duration
        self.streamed = streamed
        self.replayed = replayed
        self.requestID = requestID
        self.createdAt = StoreTime.truncated(createdAt)
    }

    /// Every model's tokens added up.
    public var usage: TokenUsage { self.tokensByModel.reduce(.zero) { $0 + $1.usage } }
    /// The models, comma-separated, as the `models` column holds them.
    var modelList: String { self.tokensByModel.map(\.model).joined(separator: ",") }
    var durationMilliseconds: Int64 {
        self.duration.components.seconds * 1000 + self.duration.components.attoseconds / 1_000_000_000_000_000
    }
}

/// A user's usage over a period.
public struct UsageSummary: Sendable, Equatable {
    public var from: Date
    public var to: Date
    public var calls: Int64
    public var usage: TokenUsage
    public var byTask: [TaskUsage]

    public struct TaskUsage: Sendable, Equatable {
        public var task: String
        public var model: String
        public var calls: Int64
        public var usage: TokenUsage
    }
}

/// Times as the tables hold them: microseconds since 1970, UTC (PostgreSQL's `timestamptz`
/// resolution), so a time read back equals the one written.
enum StoreTime {
    static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    static func date(microseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
    }

    static func truncated(_ date: Date) -> Date {
        Self.date(microseconds: Self.microseconds(date))
    }
}

/// The tables' user id for a token's `sub`. Supabase's are UUIDs and are used as they are (so
/// row-level security's `auth.uid()` matches them); any other subject maps to a stable
/// name-based UUID (version 8, from SHA-256), so that no caller is turned away by the database.
public enum StoreUserID {
    public static func uuid(forSubject subject: String) -> UUID {
        if let uuid = UUID(uuidString: subject) { return uuid }
        var bytes = Array(SHA256.hash(data: Data("career-backend-user:\(subject)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80  // version 8: custom
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

/// The database could not be used: unreachable, timed out, or refused the statement. The
/// history and usage endpoints answer 503; saving an answer skips the save.
public struct StoreUnavailable: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
