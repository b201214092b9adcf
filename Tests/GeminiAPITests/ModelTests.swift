import Foundation
import GeminiAPI
import JSONText
import Testing

@Suite("Gemini JSON models")
struct ModelTests {
    @Test func requestLeavesOutNilMembers() throws {
        let request = GenerateContentRequest(contents: [Content(role: .user, text: "hi")])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(request), as: UTF8.self)
        #expect(json == #"{"contents":[{"parts":[{"text":"hi"}],"role":"user"}]}"#)
    }

    @Test func generationConfigUsesTheAPINames() throws {
        let config = GenerationConfig(
            temperature: 0.2,
            maxOutputTokens: 100,
            responseMimeType: "application/json",
            responseSchema: ["type": "OBJECT"],
            thinkingConfig: ThinkingConfig(thinkingBudget: 0)
        )
        // `JSONEncoder` writes members in no fixed order: compared as JSON, order aside.
        let value = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(config))
        #expect(value.isEquivalent(to: [
            "temperature": 0.2, "maxOutputTokens": 100, "responseMimeType": "application/json",
            "responseSchema": ["type": "OBJECT"], "thinkingConfig": ["thinkingBudget": 0],
        ]))
    }

    /// What Gemini reads: integral numbers of a schema without a fraction, whatever their literal.
    @Test func schemaNumbersAreWrittenAsIntegers() throws {
        let config = GenerationConfig(responseSchema: ["type": "ARRAY", "minItems": 1, "maxItems": .number("5.0"), "maximum": 100, "minimum": 0.5])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(config), as: UTF8.self)
        #expect(json == #"{"responseSchema":{"maxItems":5,"maximum":100,"minItems":1,"minimum":0.5,"type":"ARRAY"}}"#)
    }

    @Test func responseToleratesUnknownFieldsAndKeepsUnknownPartFields() throws {
        let json = """
            {"candidates": [{"content": {"role": "model", "parts": [
                {"text": "thinking", "thought": true},
                {"text": "Hello ", "thoughtSignature": "c2ln"},
                {"text": "world", "videoMetadata": {"fps": 2}},
                {"functionCall": {"name": "f", "args": {"a": 1}}}
              ]}, "finishReason": "STOP", "citationMetadata": {}, "avgLogprobs": -0.5}],
             "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "thoughtsTokenCount": 3,
                               "totalTokenCount": 18, "promptTokensDetails": []},
             "modelVersion": "gemini-2.5-flash", "responseId": "abc", "createTime": "2025-01-01T00:00:00Z"}
            """
        let response = try JSONDecoder().decode(GenerateContentResponse.self, from: Data(json.utf8))
        #expect(response.text == "Hello world")
        #expect(response.thoughtText == "thinking")
        #expect(response.functionCalls.map(\.name) == ["f"])
        #expect(response.usage == GeminiUsage(promptTokens: 10, outputTokens: 5, thoughtsTokens: 3, totalTokens: 18))
        let parts = try #require(response.candidates?.first?.content?.parts)
        #expect(parts[1].thoughtSignature == "c2ln")
        #expect(parts[2].additionalFields["videoMetadata"] == ["fps": 2])
        // A model turn round-trips, unknown part members included.
        let content = try #require(response.candidates?.first?.content)
        let again = try JSONDecoder().decode(Content.self, from: JSONEncoder().encode(content))
        #expect(again == content)
        try response.validate()
    }

    @Test func usageSums() {
        let a = GeminiUsage(promptTokens: 1, outputTokens: 2, thoughtsTokens: 3, totalTokens: 6)
        #expect(a + a == GeminiUsage(promptTokens: 2, outputTokens: 4, thoughtsTokens: 6, totalTokens: 12))
    }

    @Test func backoffCeilingDoublesUpToTheCap() {
        let policy = GeminiRetryPolicy()
        #expect((0..<6).map { policy.backoffCeiling(retry: $0) } == [
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8),
        ])
        for _ in 0..<100 {
            let wait = GeminiRetryPolicy.fullJitter(.seconds(2))
            #expect(wait >= .zero && wait <= .seconds(2))
        }
    }

    @Test func jsonValueKeepsKinds() throws {
        let value: JSONValue = ["a": [1, 2.5, "x", true, .null]]
        let decoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
        #expect(decoded == value)
        #expect(String(decoding: try JSONEncoder().encode(JSONValue.number(3)), as: UTF8.self) == "3")
    }

    @Test(arguments: [
        #"{"a": [1, 2.5, -0, 1e3, "x", true, false, null], "b": {"c": {}, "d": []}}"#,
        #"[0, 1, "1", true, "true", null, "null", {"0": false}]"#,
        #"{"text": "line\nbreak \u00e9 \ud83d\ude80 \"q\" \\ /", "n": 12345678901234}"#,
        #" "a string" "#, "3.25", "true", "null",
    ])
    func parsingAgreesWithTheDecoder(text: String) throws {
        let parsed = try JSONValue(parsing: Data(text.utf8))
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        // The decoder keeps neither member order nor a number's spelling (`1e3` comes back as
        // `1000`): the two agree as JSON.
        #expect(parsed.isEquivalent(to: decoded))
    }

    @Test func parsingKeepsBooleansApartFromNumbersAndTheLastOfDuplicateKeys() throws {
        #expect(try JSONValue(parsing: Data("[true, 1, 0, false]".utf8)) == [true, 1, 0, false])
        #expect(try JSONValue(parsing: Data(#"{"k": 1, "k": 2}"#.utf8))["k"] == 2)
        #expect(try JSONValue(parsing: Data(#"{"k": 1, "k": 2}"#.utf8)).isEquivalent(to: ["k": 2]))
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data("[true, 1, 0, false]".utf8)) == [true, 1, 0, false])
    }

    @Test(arguments: ["", "{", #"{"a": 1,}"#, "[1] 2", "NaN", "01", String(repeating: "[", count: 70) + String(repeating: "]", count: 70)])
    func parsingRefusesWhatIsNotJSON(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: Data(text.utf8)) }
    }
}
