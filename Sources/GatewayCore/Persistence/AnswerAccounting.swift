import CareerProto
import Foundation
import GatewayStore
import JSONText
import RPCRuntime

/// What the ledger and the saved item need from an answer: the model that answered, the usage,
/// the tokens per model (a coach answer that planned a career path mixes the coach's model with
/// the generation service's), and the coach's career path when there is one. Read from the
/// answer message itself (``APIResponse/accounting``), never by parsing the JSON written from it.
struct AnswerAccounting: Sendable, Equatable {
    var model: String
    var usage: TokenUsage
    var tokensByModel: [UsageCall.ModelTokens]
    var coachCareerPath: CareerPathCopy?

    /// The coach's planned career path, saved as a career path of its own.
    struct CareerPathCopy: Sendable, Equatable {
        var answer: Career_V1_CareerPathResponse
        var accounting: AnswerAccounting { AnswerAccounting(model: self.answer.model, usage: self.answer.usage) }
    }

    init(model: String, usage: Career_V1_Usage, coachCareerPath: Career_V1_CareerPathResponse? = nil) {
        self.model = model
        self.usage = TokenUsage(usage)
        self.tokensByModel = model.isEmpty ? [] : [.init(model: model, usage: self.usage)]
        guard let path = coachCareerPath else { return }
        self.coachCareerPath = CareerPathCopy(answer: path)
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

    /// A coach answer with `resultId` added to its `action.payload.careerPath`; nil when it
    /// has none.
    static func adding(resultID: UUID, toCoachCareerPathIn answer: Data) -> Data? {
        guard case .object(var members)? = try? JSONValue(parsing: answer),
              let actionIndex = members.firstIndex(where: { $0.key == "action" }),
              case .object(var action) = members[actionIndex].value,
              let payloadIndex = action.firstIndex(where: { $0.key == "payload" }),
              case .object(var payload) = action[payloadIndex].value,
              let pathIndex = payload.firstIndex(where: { $0.key == "careerPath" }),
              case .object(var path) = payload[pathIndex].value
        else { return nil }
        path.append((key: "resultId", value: .string(resultID.uuidString.lowercased())))
        payload[pathIndex].value = .object(path)
        action[payloadIndex].value = .object(payload)
        members[actionIndex].value = .object(action)
        return JSONValue.object(members).jsonData()
    }
}

/// Short titles of saved items, from what the user asked.
enum ResultTitle {
    /// Longest title: 120 characters.
    static let maxLength = 120

    /// The job: the profile's target title (and company) when given, else the job description's
    /// first line that reads like a title.
    static func job(description: String, targetTitle: String = "", company: String = "") -> String {
        var title = targetTitle.trimmingCharacters(in: .whitespacesAndNewlines)
        if title.isEmpty {
            title = description.split(whereSeparator: \.isNewline).lazy
                .map { $0.trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: "#*-•:"))) }
                .first { !$0.isEmpty } ?? ""
        }
        let company = company.trimmingCharacters(in: .whitespacesAndNewlines)
        if !company.isEmpty, !title.localizedCaseInsensitiveContains(company) { title += " at \(company)" }
        return Self.cut(title.isEmpty ? "Untitled" : title)
    }

    static func careerPath(currentRole: String, targetRole: String) -> String {
        Self.cut("\(currentRole.trimmingCharacters(in: .whitespacesAndNewlines)) → \(targetRole.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    /// The counterpart: the first line of what the user wrote about them.
    static func counterpart(_ info: String) -> String {
        Self.job(description: info)
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
