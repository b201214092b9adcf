import Foundation
@testable import GeminiAPI
import JSONText
import Testing

/// Gemini's answers are read with the project's parser rather than `JSONDecoder`: the reading
/// must be `Codable`'s, member for member, and refuse what it refuses.
@Suite("Gemini response reader")
struct ResponseReaderTests {
    static let answers: [String] = [
        // Everything the models have, unknown members, nulls, thought parts, a function call.
        #"""
        {"candidates": [{"content": {"role": "model", "parts": [
            {"text": "thinking", "thought": true},
            {"text": "Hello ", "thoughtSignature": "c2ln"},
            {"text": "wörld 🚀\n", "videoMetadata": {"fps": 2}, "extra": [1, null, "x"]},
            {"functionCall": {"name": "navigate", "args": {"path": "/jobs", "n": 5}, "id": "c1"}},
            {"functionResponse": {"name": "f", "response": {"ok": true}}},
            {"inlineData": {"mimeType": "image/png", "data": "iVBO"}}
          ]}, "finishReason": "STOP", "index": 0, "citationMetadata": {}, "avgLogprobs": -0.5,
          "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE", "blocked": false}]}],
         "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "thoughtsTokenCount": 3,
                           "totalTokenCount": 18, "cachedContentTokenCount": 0, "toolUsePromptTokenCount": 1, "promptTokensDetails": []},
         "modelVersion": "gemini-2.5-flash", "responseId": "abc", "createTime": "2025-01-01T00:00:00Z"}
        """#,
        // A blocked prompt: no candidates.
        #"{"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": [{"category": "HARM_CATEGORY_HATE_SPEECH", "probability": "HIGH"}]}}"#,
        // A turn cut short without parts; nulls where members would be.
        #"{"candidates": [{"content": {"role": "model"}, "finishReason": "MAX_TOKENS", "index": null}], "modelVersion": null, "responseId": "a"}"#,
        #"{"candidates": [{"content": null}], "usageMetadata": {"totalTokenCount": 7.0}}"#,
        "{}",
    ]

    @Test(arguments: answers)
    func readsAnAnswerAsTheDecoderDoes(text: String) throws {
        let decoded = try JSONDecoder().decode(GenerateContentResponse.self, from: Data(text.utf8))
        let read = try ResponseReader.response(from: Data(text.utf8))
        // Compared as sorted JSON: the decoder sorts the members of free-form values (function
        // arguments), where the reader keeps the model's order.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(read), as: UTF8.self) == String(decoding: try encoder.encode(decoded), as: UTF8.self))
        #expect(read.text == decoded.text)
        #expect(read.usage == decoded.usage)
    }

    /// A known member of the wrong kind, or a text that is no answer, is unreadable for both.
    @Test(arguments: [
        #"{"candidates": {"content": {}}}"#,
        #"{"candidates": [{"content": {"parts": [{"text": 5}]}}]}"#,
        #"{"candidates": [{"content": {"parts": [{"thought": "yes"}]}}]}"#,
        #"{"candidates": [{"content": {"parts": [{"functionCall": {"args": {}}}]}}]}"#,
        #"{"candidates": [{"finishReason": 1}]}"#,
        #"{"usageMetadata": {"promptTokenCount": "10"}}"#,
        #"{"usageMetadata": {"promptTokenCount": 1.5}}"#,
        #"{"promptFeedback": {"safetyRatings": [{"probability": "LOW"}]}}"#,
        #"[]"#, #""text""#, "not json", "",
    ])
    func refusesWhatTheDecoderRefuses(text: String) {
        #expect(throws: (any Error).self) { try JSONDecoder().decode(GenerateContentResponse.self, from: Data(text.utf8)) }
        #expect(throws: (any Error).self) { try ResponseReader.response(from: Data(text.utf8)) }
    }

    @Test func aStreamedErrorIsToldApartFromAChunk() throws {
        let error = try JSONValue(parsing: Data(#"{"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "slow down", "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "2s"}]}}"#.utf8))
        let body = try #require(ResponseReader.streamError(error))
        #expect(body.code == 429)
        #expect(body.status == "RESOURCE_EXHAUSTED")
        #expect(body.retryDelay == .seconds(2))
        let chunk = try JSONValue(parsing: Data(#"{"candidates": [{"content": {"parts": [{"text": "hi"}]}}]}"#.utf8))
        #expect(ResponseReader.streamError(chunk) == nil)
        #expect(try ResponseReader.response(chunk).text == "hi")
    }
}
