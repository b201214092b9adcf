import Foundation
import JSONText

/// Reads Gemini's answers from JSON text with the project's parser instead of `JSONDecoder`.
///
/// Every call reads one answer (and a stream one per chunk); `JSONDecoder` cost more than the
/// rest of the answer's handling in the generation service's profile (BENCHMARKS.md). The reading
/// is `Codable`'s, member for member: unknown members are ignored (a part's are kept), `null` is
/// an absent member, and a known member of the wrong kind makes the answer unreadable
/// (`ResponseReaderTests` holds it to `JSONDecoder`'s reading).
enum ResponseReader {
    struct Unreadable: Error {
        /// The member that is not what the answer's schema says (`(top)`: the answer itself).
        var member: String
    }

    /// The answer in `bytes`, or the error of a text that is not JSON or not an answer.
    static func response(from data: Data) throws -> GenerateContentResponse {
        try response(JSONValue(parsing: data))
    }

    static func response(_ json: JSONValue) throws(Unreadable) -> GenerateContentResponse {
        let object = try Object(json)
        return GenerateContentResponse(
            candidates: try object.array("candidates", candidate),
            promptFeedback: try object.object("promptFeedback") { feedback throws(Unreadable) in
                PromptFeedback(
                    blockReason: try feedback.string("blockReason").map(PromptFeedback.BlockReason.init(rawValue:)),
                    safetyRatings: try feedback.array("safetyRatings", safetyRating)
                )
            },
            usageMetadata: try object.object("usageMetadata") { usage throws(Unreadable) in
                UsageMetadata(
                    promptTokenCount: try usage.int("promptTokenCount"),
                    candidatesTokenCount: try usage.int("candidatesTokenCount"),
                    thoughtsTokenCount: try usage.int("thoughtsTokenCount"),
                    totalTokenCount: try usage.int("totalTokenCount"),
                    cachedContentTokenCount: try usage.int("cachedContentTokenCount"),
                    toolUsePromptTokenCount: try usage.int("toolUsePromptTokenCount")
                )
            },
            modelVersion: try object.string("modelVersion"),
            responseId: try object.string("responseId")
        )
    }

    /// A streamed chunk that is Gemini's report of a failure inside a started stream
    /// (`{"error": {...}}`), when it is one.
    static func streamError(_ json: JSONValue) -> GoogleErrorEnvelope.Body? {
        guard let error = json["error"], case .object = error else { return nil }
        return GoogleErrorEnvelope.Body(code: error["code"]?.intValue, status: error["status"]?.stringValue, details: error["details"]?.arrayValue)
    }

    private static func candidate(_ json: JSONValue) throws(Unreadable) -> Candidate {
        let object = try Object(json)
        return Candidate(
            content: try object.object("content") { content throws(Unreadable) in try Self.content(content) },
            finishReason: try object.string("finishReason").map(FinishReason.init(rawValue:)),
            safetyRatings: try object.array("safetyRatings", safetyRating),
            index: try object.int("index")
        )
    }

    private static func content(_ object: Object) throws(Unreadable) -> Content {
        Content(
            role: try object.string("role").map(Content.Role.init(rawValue:)),
            // A model turn that was cut short (blocked, MAX_TOKENS) may carry no parts at all.
            parts: try object.array("parts", part) ?? []
        )
    }

    private static let knownPartMembers: Set<String> = ["text", "thought", "thoughtSignature", "functionCall", "functionResponse", "inlineData"]

    private static func part(_ json: JSONValue) throws(Unreadable) -> Part {
        let object = try Object(json)
        var additional: [String: JSONValue] = [:]
        for member in object.members where !knownPartMembers.contains(member.key) {
            additional[member.key] = member.value
        }
        return Part(
            text: try object.string("text"),
            thought: try object.bool("thought"),
            thoughtSignature: try object.string("thoughtSignature"),
            functionCall: try object.object("functionCall") { call throws(Unreadable) in
                FunctionCall(name: try call.requiredString("name"), args: call.value("args"), id: try call.string("id"))
            },
            functionResponse: try object.object("functionResponse") { response throws(Unreadable) in
                guard let value = response.value("response") else { throw Unreadable(member: "response") }
                return FunctionResponse(name: try response.requiredString("name"), response: value, id: try response.string("id"))
            },
            inlineData: try object.object("inlineData") { blob throws(Unreadable) in
                Blob(mimeType: try blob.requiredString("mimeType"), data: try blob.requiredString("data"))
            },
            additionalFields: additional
        )
    }

    private static func safetyRating(_ json: JSONValue) throws(Unreadable) -> SafetyRating {
        let object = try Object(json)
        return SafetyRating(
            category: HarmCategory(rawValue: try object.requiredString("category")),
            probability: try object.string("probability"),
            blocked: try object.bool("blocked")
        )
    }

    /// An object's members by name, each typed read refusing a member of another kind.
    private struct Object {
        let members: [JSONValue.Member]

        init(_ json: JSONValue) throws(Unreadable) {
            guard case .object(let members) = json else { throw Unreadable(member: "(top)") }
            self.members = members
        }

        /// The member's value; `nil` when absent or `null` (a name Gemini repeated: its last
        /// value).
        func value(_ key: String) -> JSONValue? {
            guard let value = members.last(where: { $0.key == key })?.value else { return nil }
            if case .null = value { return nil }
            return value
        }

        func string(_ key: String) throws(Unreadable) -> String? {
            guard let value = value(key) else { return nil }
            guard case .string(let string) = value else { throw Unreadable(member: key) }
            return string
        }

        func requiredString(_ key: String) throws(Unreadable) -> String {
            guard let string = try string(key) else { throw Unreadable(member: key) }
            return string
        }

        func bool(_ key: String) throws(Unreadable) -> Bool? {
            guard let value = value(key) else { return nil }
            guard case .bool(let bool) = value else { throw Unreadable(member: key) }
            return bool
        }

        func int(_ key: String) throws(Unreadable) -> Int? {
            guard let value = value(key) else { return nil }
            guard let int = value.intValue else { throw Unreadable(member: key) }
            return int
        }

        func object<T>(_ key: String, _ read: (Object) throws(Unreadable) -> T) throws(Unreadable) -> T? {
            guard let value = value(key) else { return nil }
            return try read(try Object(value))
        }

        func array<T>(_ key: String, _ read: (JSONValue) throws(Unreadable) -> T) throws(Unreadable) -> [T]? {
            guard let value = value(key) else { return nil }
            guard case .array(let elements) = value else { throw Unreadable(member: key) }
            var result: [T] = []
            result.reserveCapacity(elements.count)
            for element in elements { result.append(try read(element)) }
            return result
        }
    }
}
