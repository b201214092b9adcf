import Foundation
import GatewayStore
import JSONText

/// What the ledger and the saved item need from an answer's JSON: the model that answered, the
/// usage, the tokens per model (a coach answer that planned a career path mixes the coach's
/// model with the generation service's), and the coach's career path when there is one.
struct AnswerAccounting {
    var model = ""
    var usage = TokenUsage.zero
    var tokensByModel: [UsageCall.ModelTokens] = []
    var coachCareerPath: (json: Data, currentRole: String, targetRole: String)?

    init(answer: Data) {
        guard let value = try? JSONValue(parsing: answer), case .object(let members) = value else {
            self.init(members: [])
            return
        }
        self.init(members: members)
    }

    init(members: [(key: String, value: JSONValue)]) {
        self.model = Self.string(members, "model") ?? ""
        self.usage = Self.usage(members)
        if !self.model.isEmpty { self.tokensByModel = [.init(model: self.model, usage: self.usage)] }
        guard let path = Self.coachCareerPath(members), case .object(let pathMembers) = path else { return }
        let pathAccounting = AnswerAccounting(members: pathMembers)
        for tokens in pathAccounting.tokensByModel {
            if let index = self.tokensByModel.firstIndex(where: { $0.model == tokens.model }) {
                self.tokensByModel[index].usage = self.tokensByModel[index].usage + tokens.usage
            } else {
                self.tokensByModel.append(tokens)
            }
        }
        self.coachCareerPath = (path.jsonData(), Self.string(pathMembers, "currentRole") ?? "", Self.string(pathMembers, "targetRole") ?? "")
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

    private static func coachCareerPath(_ members: [(key: String, value: JSONValue)]) -> JSONValue? {
        guard let action = Self.member(members, "action"), case .object(let action) = action,
              Self.string(action, "type") == "saveCareerPath",
              let payload = Self.member(action, "payload"), case .object(let payload) = payload
        else { return nil }
        return Self.member(payload, "careerPath")
    }

    private static func member(_ members: [(key: String, value: JSONValue)], _ key: String) -> JSONValue? {
        members.first { $0.key == key }?.value
    }

    private static func string(_ members: [(key: String, value: JSONValue)], _ key: String) -> String? {
        guard case .string(let text)? = Self.member(members, key) else { return nil }
        return text
    }

    private static func usage(_ members: [(key: String, value: JSONValue)]) -> TokenUsage {
        guard case .object(let usage)? = Self.member(members, "usage") else { return .zero }
        func count(_ key: String) -> Int64 {
            guard case .number(let literal)? = Self.member(usage, key) else { return 0 }
            return Int64(literal) ?? 0
        }
        return TokenUsage(promptTokens: count("promptTokens"), outputTokens: count("outputTokens"), thoughtsTokens: count("thoughtsTokens"), totalTokens: count("totalTokens"))
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
