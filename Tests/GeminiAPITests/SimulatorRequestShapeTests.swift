import AsyncHTTPClient
import Foundation
import GeminiAPI
import GeminiSimulatorCore
import JSONText
import NIOCore
import Testing

/// The simulator refuses fields Google does not know, in Google's words, so a client that
/// works against it does not send Google a request Google would refuse.
@Suite struct SimulatorRequestShapeTests {
    /// Posts `body` to `generateContent` with the simulator's key; the status and the decoded error.
    private func post(_ body: String, to simulator: RunningGeminiSimulator) async throws -> (status: Int, error: JSONValue?) {
        var request = HTTPClientRequest(url: simulator.baseURL + "/v1beta/models/gemini-2.5-flash:generateContent")
        request.method = .POST
        request.headers.add(name: "x-goog-api-key", value: simulator.apiKey)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let data = Data(try await response.body.collect(upTo: 1 << 20).readableBytesView)
        return (Int(response.status.code), try JSONDecoder().decode(JSONValue.self, from: data)["error"])
    }

    private let contents = #""contents": [{"role": "user", "parts": [{"text": "hello"}]}]"#

    @Test func anUnknownTopLevelFieldIsRefusedAsGoogleDoes() async throws {
        try await withGeminiSimulator { simulator in
            let (status, error) = try await post("{\(contents), \"temprature\": 0.5}", to: simulator)
            #expect(status == 400)
            #expect(error?["status"] == "INVALID_ARGUMENT")
            #expect(error?["message"] == #"Invalid JSON payload received. Unknown name "temprature": Cannot find field."#)
            let detail = error?["details"]?.arrayValue?.first
            #expect(detail?["@type"] == "type.googleapis.com/google.rpc.BadRequest")
            #expect(detail?["fieldViolations"]?.arrayValue?.first?["field"] == nil)
        }
    }

    @Test func nestedUnknownFieldsAreEachNamedWithGooglesPath() async throws {
        try await withGeminiSimulator { simulator in
            let body = #"""
                {"contents": [{"role": "user", "parts": [{"text": "a"}]}, {"role": "model", "parts": [{"text": "b", "role": "model"}]}],
                 "generationConfig": {"maxOutputTokens": 10, "thinkingConfig": {"budget": 5}},
                 "tools": [{"functionDeclarations": [{"name": "f", "parameters": {"type": "OBJECT", "properties": {"a": {"type": "STRING"}, "b": {"type": "STRING", "additionalProperties": false}}}}]}]}
                """#
            let (status, error) = try await post(body, to: simulator)
            #expect(status == 400)
            let violations = error?["details"]?.arrayValue?.first?["fieldViolations"]?.arrayValue ?? []
            #expect(violations.compactMap { $0["field"]?.stringValue } == [
                "contents[1].parts[0]",
                "generation_config.thinking_config",
                "tools[0].function_declarations[0].parameters.properties[1].value",
            ])
            let message = error?["message"]?.stringValue ?? ""
            #expect(message.contains(#"Unknown name "budget" at 'generation_config.thinking_config': Cannot find field."#))
            #expect(message.split(separator: "\n").count == 3)
        }
    }

    @Test func snakeCaseNamesAndFreeJSONValuesAreAccepted() async throws {
        try await withGeminiSimulator { simulator in
            let body = #"""
                {"contents": [{"role": "user", "parts": [{"text": "a"}]},
                              {"role": "model", "parts": [{"functionCall": {"name": "f", "args": {"anything": {"goes": 1}}}, "thoughtSignature": "c2ln"}]},
                              {"role": "user", "parts": [{"functionResponse": {"name": "f", "response": {"free": ["json"]}}}]}],
                 "generation_config": {"max_output_tokens": 50, "thinking_config": {"thinking_budget": 0}},
                 "system_instruction": {"parts": [{"text": "be brief"}]}}
                """#
            let (status, _) = try await post(body, to: simulator)
            #expect(status == 200)
        }
    }

    @Test func everyFieldTheClientCanSendIsOneGoogleKnows() async throws {
        try await withHarness { harness in
            let schema: JSONValue = ["type": "OBJECT", "properties": ["name": ["type": "STRING"]], "required": ["name"], "propertyOrdering": ["name"]]
            let request = GenerateContentRequest(
                systemInstruction: Content(role: nil, text: "be brief"),
                contents: [
                    Content(role: .user, parts: [Part(text: "a"), Part(inlineData: Blob(mimeType: "text/plain", data: "aGk="))]),
                    Content(role: .model, parts: [
                        Part(text: "thinking", thought: true),
                        Part(thoughtSignature: "c2ln", functionCall: FunctionCall(name: "lookUp", args: ["q": "x"], id: "call-1")),
                    ]),
                    Content(role: .user, parts: [Part(functionResponse: FunctionResponse(name: "lookUp", response: ["ok": true], id: "call-1"))]),
                ],
                generationConfig: GenerationConfig(
                    temperature: 0.2, topP: 0.9, topK: 40, candidateCount: 1, maxOutputTokens: 512, stopSequences: ["END"],
                    responseMimeType: "application/json", responseSchema: schema,
                    thinkingConfig: ThinkingConfig(thinkingBudget: 128, includeThoughts: true)
                ),
                tools: [Tool(functionDeclarations: [
                    FunctionDeclaration(name: "lookUp", description: "look something up", parameters: schema),
                    FunctionDeclaration(name: "lookUpJSON", parametersJsonSchema: ["type": "object", "additionalProperties": false]),
                ])],
                toolConfig: ToolConfig(functionCallingConfig: FunctionCallingConfig(mode: .auto, allowedFunctionNames: nil)),
                safetySettings: [SafetySetting(category: .harassment, threshold: .blockOnlyHigh)]
            )
            let response = try await harness.client.generateContent(model: "gemini-2.5-flash", request: request, deadline: soon())
            #expect(response.candidates?.isEmpty == false)
        }
    }
}
