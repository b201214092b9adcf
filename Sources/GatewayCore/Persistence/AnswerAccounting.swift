import CareerProto
import Foundation
import GatewayStore
import GenerationTasks
import JSONText
import RPCProto
import RPCRuntime
import TaskContract

/// What the ledger and the saved item need from an answer: the model that answered, the usage,
/// the tokens per model (a coach answer that planned a career path mixes the coach's model with
/// the generation service's), and the coach's career path when there is one. Read from the
/// answer message itself (``APIResponse/accounting``), never by parsing the JSON written from it.
struct AnswerAccounting: Sendable, Equatable {
    var model: String
    var usage: TokenUsage
    var tokensByModel: [UsageCall.ModelTokens]
    /// The coach's planned career path, saved as a career path of its own.
    var coachCareerPath: Career_V1_CareerPathResponse?

    init(model: String, usage: Career_V1_Usage, coachCareerPath: Career_V1_CareerPathResponse? = nil) {
        self.model = model
        self.usage = TokenUsage(usage)
        self.tokensByModel = model.isEmpty ? [] : [.init(model: model, usage: self.usage)]
        guard let path = coachCareerPath else { return }
        self.coachCareerPath = path
        let pathTokens = TokenUsage(path.usage)
        if let index = self.tokensByModel.firstIndex(where: { $0.model == path.model }) {
            self.tokensByModel[index].usage = self.tokensByModel[index].usage + pathTokens
        } else if !path.model.isEmpty {
            self.tokensByModel.append(.init(model: path.model, usage: pathTokens))
        }
    }

    /// `answer` (a JSON object as the gateway writes it) with `"resultId"` as its last member.
    static func adding(resultID: UUID, to answer: Data) -> Data {
        guard answer.count >= 2, answer.first == UInt8(ascii: "{"), answer.last == UInt8(ascii: "}") else { return answer }
        var out = answer.dropLast()
        if out.count > 1 { out.append(UInt8(ascii: ",")) }
        out.append(contentsOf: Array(#""resultId":"\#(resultID.uuidString.lowercased())"}"#.utf8))
        return Data(out)
    }

    /// Where the coach's planned career path sits in a chat answer, and in an `action` event.
    static let careerPathInCoachAnswer = ["action", "payload", "careerPath"]
    static let careerPathInCoachAction = ["payload", "careerPath"]

    /// `json` with `resultId` added, as the last member, to the object at `path` (member names
    /// from the top); nil when there is no object there.
    static func adding(resultID: UUID, at path: [String], in json: Data) -> Data? {
        func add(to value: JSONValue, at path: ArraySlice<String>) -> JSONValue? {
            guard case .object(var members) = value else { return nil }
            guard let name = path.first else {
                members.append((key: "resultId", value: .string(resultID.uuidString.lowercased())))
                return .object(members)
            }
            guard let index = members.firstIndex(where: { $0.key == name }),
                  let inner = add(to: members[index].value, at: path.dropFirst())
            else { return nil }
            members[index].value = inner
            return .object(members)
        }
        guard let value = try? JSONValue(parsing: json), let added = add(to: value, at: path[...]) else { return nil }
        return added.jsonData()
    }
}

/// Short titles of saved items, from what the user asked.
enum ResultTitle {
    /// Longest title: 120 characters.
    static let maxLength = 120

    /// The job: the profile's target title (and company) when given, else the job description's
    /// first line that reads like a title (markdown marks and bullets trimmed). Only the lines
    /// up to that one are read, and nothing goes through Foundation's locale-aware string
    /// functions: this runs for every saved answer (it was 3% of the gateway's CPU).
    static func job(description: String, targetTitle: String = "", company: String = "") -> String {
        var title = Self.trimmed(targetTitle[...])
        var rest = description[...]
        while title.isEmpty, !rest.isEmpty {
            let lineEnd = rest.firstIndex(where: \.isNewline) ?? rest.endIndex
            title = Self.trimmed(rest[..<lineEnd], also: Self.lineMarks)
            rest = lineEnd == rest.endIndex ? "" : rest[rest.index(after: lineEnd)...]
        }
        let company = Self.trimmed(company[...])
        if !company.isEmpty, !title.lowercased().contains(company.lowercased()) { title += " at \(company)" }
        return Self.cut(title.isEmpty ? "Untitled" : title)
    }

    static func careerPath(currentRole: String, targetRole: String) -> String {
        Self.cut("\(Self.trimmed(currentRole[...])) → \(Self.trimmed(targetRole[...]))")
    }

    /// Characters that mark up a line rather than name anything: headings, bullets, a colon.
    private static let lineMarks: Set<Character> = ["#", "*", "-", "•", ":"]

    /// `text` without whitespace (and `marks`) at either end.
    private static func trimmed(_ text: Substring, also marks: Set<Character> = []) -> String {
        let keep = { (character: Character) in !character.isWhitespace && !marks.contains(character) }
        guard let first = text.firstIndex(where: keep), let last = text.lastIndex(where: keep) else { return "" }
        return String(text[first...last])
    }

    /// The counterpart: the first line of what the user wrote about them.
    static func counterpart(_ info: String) -> String {
        Self.job(description: info)
    }

    /// The title a task's definition asks for.
    static func words(_ hint: TitleHint) -> String {
        switch hint {
        case .job(let description, let targetTitle, let company): Self.job(description: description, targetTitle: targetTitle, company: company)
        case .counterpart(let info): Self.counterpart(info)
        case .careerPath(let currentRole, let targetRole): Self.careerPath(currentRole: currentRole, targetRole: targetRole)
        }
    }

    static func cut(_ text: String) -> String {
        text.count > Self.maxLength ? String(text.prefix(Self.maxLength - 1)) + "…" : text
    }
}

extension TokenUsage {
    init(_ usage: Career_V1_Usage) {
        self.init(promptTokens: usage.promptTokens, outputTokens: usage.outputTokens, thoughtsTokens: usage.thoughtsTokens, totalTokens: usage.totalTokens)
    }
}

extension UsageCall.ModelTokens {
    /// The tokens per model a call's closing RPC status reported (PROTOCOL.md section 7).
    static func fromStatus(_ usage: [Career_V1_ModelUsage]) -> [Self] {
        usage.map { entry in
            Self(model: entry.model, usage: TokenUsage(
                promptTokens: entry.promptTokens, outputTokens: entry.outputTokens,
                thoughtsTokens: entry.thoughtsTokens, totalTokens: entry.totalTokens
            ))
        }
    }
}
