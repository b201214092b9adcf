import Foundation
@testable import GeminiAPI
import JSONText
import Testing

/// The request body is written by hand rather than by `JSONEncoder`: it must say exactly what
/// the `Codable` encoding says, member for member, for every kind of request the services send.
@Suite("Gemini request body writer")
struct RequestBodyWriterTests {
    /// Every member the models have, with text that needs escaping and numbers that `Codable`
    /// rewrites (`5.0` as `5`).
    static let everyMember = GenerateContentRequest(
        systemInstruction: Content(role: nil, text: "You write \"honest\" résumés.\nNever invent facts.\t\u{1}"),
        contents: [
            Content(role: .user, parts: [
                Part(text: "Profile: Ada 🚀 \\ / <b>"),
                Part(inlineData: Blob(mimeType: "application/pdf", data: "JVBERi0=")),
            ]),
            Content(role: .model, parts: [
                Part(text: "thinking…", thought: true),
                Part(thoughtSignature: "c2ln", functionCall: FunctionCall(name: "navigate", args: ["path": "/jobs", "n": .number("5.0")], id: "call-1"),
                     additionalFields: ["videoMetadata": ["fps": 2], "aaa": [1, 2.5, .null, false]]),
            ]),
            Content(role: .user, parts: [
                Part(functionResponse: FunctionResponse(name: "navigate", response: ["ok": true, "empty": [:], "list": []], id: "call-1")),
            ]),
        ],
        generationConfig: GenerationConfig(
            temperature: 0.7, topP: 0.95, topK: 40, candidateCount: 1, maxOutputTokens: 8192,
            stopSequences: ["END", "\u{7f}"], responseMimeType: "application/json",
            responseSchema: ["type": "OBJECT", "properties": ["questions": ["type": "ARRAY", "minItems": 3, "maxItems": .number("8.0"), "items": ["type": "STRING"]]], "required": ["questions"], "minimum": 0.5],
            responseJsonSchema: ["type": "object"],
            thinkingConfig: ThinkingConfig(thinkingBudget: -1, includeThoughts: false)
        ),
        tools: [Tool(functionDeclarations: [
            FunctionDeclaration(name: "navigate", description: "Opens a page", parameters: ["type": "OBJECT", "properties": ["path": ["type": "STRING"]]]),
            FunctionDeclaration(name: "bare", parametersJsonSchema: ["type": "object"]),
        ]), Tool(functionDeclarations: nil)],
        toolConfig: ToolConfig(functionCallingConfig: FunctionCallingConfig(mode: .any, allowedFunctionNames: ["navigate"])),
        safetySettings: [SafetySetting(category: .harassment, threshold: .blockOnlyHigh)]
    )

    static let requests: [GenerateContentRequest] = [
        everyMember,
        GenerateContentRequest(contents: [Content(role: .user, text: "hi")]),
        GenerateContentRequest(contents: [], generationConfig: GenerationConfig(), tools: [], toolConfig: ToolConfig(functionCallingConfig: nil)),
        GenerateContentRequest(contents: [Content(role: .user, parts: [])], generationConfig: GenerationConfig(temperature: 1, topP: 1e-7)),
    ]

    @Test(arguments: requests)
    func sameJSONAsTheEncoder(request: GenerateContentRequest) throws {
        let written = try #require(RequestBodyWriter.body(of: request))
        // The decoder sorts members, so both sides compare as JSON, order aside; numbers by value.
        let fromWriter = try JSONDecoder().decode(JSONValue.self, from: Data(written))
        let fromEncoder = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(request))
        #expect(fromWriter == fromEncoder)
        // And it reads back as the encoder's text does.
        let decoder = JSONDecoder()
        #expect(try decoder.decode(GenerateContentRequest.self, from: Data(written)) == decoder.decode(GenerateContentRequest.self, from: JSONEncoder().encode(request)))
        // Compact, and one line: no byte below 0x20 outside strings' escapes.
        #expect(!written.contains { $0 < 0x20 })
    }

    @Test func membersKeepTheModelsOrderAndSchemaNumbersLoseTheirFraction() throws {
        let request = GenerateContentRequest(
            systemInstruction: Content(role: nil, text: "s"),
            contents: [Content(role: .user, text: "u")],
            generationConfig: GenerationConfig(temperature: 0.2, responseMimeType: "application/json", responseSchema: ["maxItems": .number("5.0"), "minimum": 0.5])
        )
        let text = String(decoding: try #require(RequestBodyWriter.body(of: request)), as: UTF8.self)
        #expect(text == #"{"systemInstruction":{"parts":[{"text":"s"}]},"contents":[{"role":"user","parts":[{"text":"u"}]}],"generationConfig":{"temperature":0.2,"responseMimeType":"application/json","responseSchema":{"maxItems":5,"minimum":0.5}}}"#)
    }

    @Test func aNumberJSONCannotSpellIsRefusedLikeTheEncoderDoes() {
        for value in [Double.nan, .infinity, -.infinity] {
            let request = GenerateContentRequest(contents: [], generationConfig: GenerationConfig(temperature: value))
            #expect(RequestBodyWriter.body(of: request) == nil)
            #expect(throws: (any Error).self) { try JSONEncoder().encode(request) }
        }
    }
}
