import Foundation
import Hummingbird

/// The simulator's request handling; the rules are documented in `GeminiSimulator.swift`.
struct Simulator: Sendable {
    let configuration: GeminiSimulatorConfiguration
    let state: SimulatorState

    init(configuration: GeminiSimulatorConfiguration) {
        self.configuration = configuration
        self.state = SimulatorState(maxRecorded: configuration.maxRecordedRequests)
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/v1beta/models/:call") { request, context in
            try await self.generate(request, call: context.parameters.get("call") ?? "")
        }
        router.get("/healthz") { _, _ in jsonResponse(status: 200, body: .object(["status": .string("ok")])) }
        router.post("/simulator/faults") { request, _ in try await self.queueFault(request) }
        router.get("/simulator/faults") { _, _ in await self.listFaults() }
        router.delete("/simulator/faults") { _, _ in
            await self.state.clearFaults()
            return jsonResponse(status: 200, body: .object([:]))
        }
        router.get("/simulator/requests") { _, _ in await self.listRequests() }
        router.get("/simulator/stats") { _, _ in jsonResponse(status: 200, body: await self.state.stats) }
        router.delete("/simulator/requests") { _, _ in
            await self.state.clearRequests()
            return jsonResponse(status: 200, body: .object([:]))
        }
    }

    // MARK: - generateContent

    private func generate(_ incoming: Request, call: String) async throws -> Response {
        var request = incoming
        let (model, method) = Self.splitCall(call)

        var apiKey: String?
        var faultHeader: String?
        var headers: [(String, String)] = []
        for field in request.headers {
            let name = field.name.canonicalName
            switch name {
            case "x-goog-api-key":
                apiKey = field.value
                headers.append((name, "<redacted>"))
            case "authorization":
                headers.append((name, "<redacted>"))
            case "x-simulator-fault":
                faultHeader = field.value
                headers.append((name, field.value))
            default:
                headers.append((name, field.value))
            }
        }

        let bodyBytes: ByteBuffer
        do {
            bodyBytes = try await request.collectBody(upTo: configuration.maxRequestBytes)
        } catch {
            return GoogleError.response(status: 400, message: "Request payload size exceeds the limit: \(configuration.maxRequestBytes) bytes.")
        }
        let bodyData = Data(bodyBytes.readableBytesView)
        let parsedBody = JSON.parse(bodyData)

        let fault: Fault?
        let faultSpec: String?
        if let faultHeader {
            do {
                fault = try Fault(spec: faultHeader)
                faultSpec = faultHeader
            } catch {
                return GoogleError.response(status: 400, message: "x-simulator-fault: \(error.description)")
            }
        } else if let queued = await state.takeFault() {
            fault = queued.fault
            faultSpec = queued.spec
        } else {
            fault = nil
            faultSpec = nil
        }

        let recordedBody: JSON =
            parsedBody ?? .string(String(decoding: bodyData.prefix(64 * 1024), as: UTF8.self))
        let query = request.uri.query.map(Self.redactKey)
        let keyValid = apiKey == configuration.apiKey
        let sequence = await state.record(
            SimulatorState.RecordedRequest(
                sequence: 0,
                method: request.method.rawValue,
                path: request.uri.path,
                query: query,
                model: model,
                headers: headers,
                apiKeyPresent: apiKey != nil,
                apiKeyValid: keyValid,
                fault: faultSpec,
                body: recordedBody
            )
        )

        let response = await respond(
            model: model,
            method: method,
            query: request.uri.query,
            apiKey: apiKey,
            body: parsedBody,
            fault: fault ?? Fault(),
            sequence: sequence,
            requestBody: request.body
        )
        await state.complete(sequence: sequence, status: Int(response.status.code))
        return response
    }

    private func respond(
        model: String,
        method: String,
        query: String?,
        apiKey: String?,
        body: JSON?,
        fault: Fault,
        sequence: Int,
        requestBody: RequestBody
    ) async -> Response {
        let latency = configuration.latency + (fault.latency ?? .zero)
        if latency > .zero {
            do { try await Task.sleep(for: latency) } catch { return GoogleError.response(status: 499) }
        }
        guard let apiKey, !apiKey.isEmpty else { return GoogleError.missingKey() }
        guard apiKey == configuration.apiKey else { return GoogleError.invalidKey() }
        guard configuration.models.contains(model), method == "generateContent" || method == "streamGenerateContent" else {
            return GoogleError.modelNotFound(model, method: method.isEmpty ? "generateContent" : method)
        }
        if let status = fault.status {
            if status == 429 { return GoogleError.rateLimited(model: model, retryDelay: fault.retryDelay) }
            return GoogleError.response(status: status)
        }
        guard let body, body.objectMembers != nil else {
            return GoogleError.response(status: 400, message: "Invalid JSON payload received. Unexpected token.")
        }
        let unknown = RequestShape.unknownFields(in: body)
        if !unknown.isEmpty {
            return GoogleError.unknownFields(unknown)
        }
        guard let contents = body["contents"]?.array, !contents.isEmpty else {
            return GoogleError.response(status: 400, message: "* GenerateContentRequest.contents: contents is not specified\n")
        }
        if model == "gemini-2.5-pro", body["generationConfig"]?["thinkingConfig"]?["thinkingBudget"]?.int == 0 {
            return GoogleError.response(status: 400, message: "Budget 0 is invalid. This model only works in thinking mode.")
        }
        if fault.hang {
            // Held until the client closes its connection (Hummingbird does not cancel a handler
            // for that by itself) or the limit passes; 499 records that the client gave up.
            let limit = configuration.hangLimit
            do {
                try await requestBody.consumeWithCancellationOnInboundClose { _ in try await Task.sleep(for: limit) }
            } catch {
                return GoogleError.response(status: 499)
            }
            // Hummingbird closes the connection after a handler that watched for the client
            // leaving; say so (see `streamAnswer`).
            var timedOut = GoogleError.response(status: 504)
            timedOut.headers[.connection] = "close"
            return timedOut
        }
        if method == "streamGenerateContent" {
            let sse = (query ?? "").split(separator: "&").contains("alt=sse")
            return streamAnswer(model: model, body: body, fault: fault, sequence: sequence, sse: sse, requestBody: requestBody)
        }
        return answer(model: model, body: body, fault: fault, sequence: sequence)
    }

    // MARK: - The answer

    static let blockingFinishReasons: Set<String> = ["SAFETY", "RECITATION", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "IMAGE_SAFETY"]

    private func answer(model: String, body: JSON, fault: Fault, sequence: Int) -> Response {
        let builder = AnswerBuilder(model: model, request: body, fault: fault)
        let promptTokens = tokenCount(builder.promptText)
        let responseID = Self.responseID(digest: builder.digest, sequence: sequence)

        func envelope(candidates: [JSON]?, promptFeedback: JSON? = nil, outputTokens: Int, thoughtsTokens: Int) -> JSON {
            Self.envelope(
                model: model,
                responseID: responseID,
                promptTokens: promptTokens,
                candidates: candidates,
                promptFeedback: promptFeedback,
                outputTokens: outputTokens,
                thoughtsTokens: thoughtsTokens
            )
        }

        if fault.malformedJSON {
            return jsonResponse(status: 200, text: "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Simulated answer cut off")
        }
        if fault.safetyBlock {
            let feedback = JSON.orderedObject([("blockReason", .string("SAFETY")), ("safetyRatings", Self.safetyRatings(blocked: true))])
            return jsonResponse(status: 200, body: envelope(candidates: nil, promptFeedback: feedback, outputTokens: 0, thoughtsTokens: 0))
        }
        if fault.noCandidates {
            return jsonResponse(status: 200, body: envelope(candidates: nil, outputTokens: 0, thoughtsTokens: 0))
        }

        let thoughtsTokens = builder.thoughtsTokens
        if let reason = fault.finishReason, Self.blockingFinishReasons.contains(reason) {
            var candidate: [(String, JSON)] = [("finishReason", .string(reason)), ("index", .number(0))]
            if reason == "SAFETY" { candidate.append(("safetyRatings", Self.safetyRatings(blocked: true))) }
            return jsonResponse(
                status: 200,
                body: envelope(candidates: [.orderedObject(candidate)], outputTokens: 0, thoughtsTokens: thoughtsTokens)
            )
        }
        if fault.empty {
            let candidate = JSON.orderedObject([
                ("content", .orderedObject([("role", .string("model"))])),
                ("finishReason", .string("STOP")),
                ("index", .number(0)),
            ])
            return jsonResponse(status: 200, body: envelope(candidates: [candidate], outputTokens: 0, thoughtsTokens: thoughtsTokens))
        }

        var parts: [JSON] = []
        var outputText = ""
        if builder.includeThoughts, thoughtsTokens > 0 {
            parts.append(.orderedObject([("text", .string(builder.thoughtText())), ("thought", .bool(true))]))
        }
        var finishReason = "STOP"
        if !fault.malformedOutput, let call = builder.functionCall {
            var part: [(String, JSON)] = [
                ("functionCall", .orderedObject([("name", .string(call.name)), ("args", call.args)]))
            ]
            if thoughtsTokens > 0 {
                let signature = Data("simulated-thought-signature:\(builder.digest):\(call.name)".utf8).base64EncodedString()
                part.append(("thoughtSignature", .string(signature)))
            }
            parts.append(.orderedObject(part))
            outputText = call.name + call.args.serialized()
        } else {
            var text = fault.malformedOutput ? "{\"simulated\": \"malformed output \(builder.digest)" : builder.answerText()
            let maxOutputTokens = builder.generationConfig?["maxOutputTokens"]?.int
            if fault.maxTokens {
                text = String(text.prefix(max(1, text.count / 2)))
                finishReason = "MAX_TOKENS"
            } else if let maxOutputTokens, maxOutputTokens > 0, tokenCount(text) > maxOutputTokens {
                text = String(text.prefix(maxOutputTokens * 4))
                finishReason = "MAX_TOKENS"
            }
            parts.append(.orderedObject([("text", .string(text))]))
            outputText = text
        }
        if let reason = fault.finishReason { finishReason = reason }
        let candidate = JSON.orderedObject([
            ("content", .orderedObject([("parts", .array(parts)), ("role", .string("model"))])),
            ("finishReason", .string(finishReason)),
            ("index", .number(0)),
        ])
        return jsonResponse(
            status: 200,
            body: envelope(candidates: [candidate], outputTokens: tokenCount(outputText), thoughtsTokens: thoughtsTokens)
        )
    }

    /// A `GenerateContentResponse` (or one chunk of a streamed one) with `usageMetadata`.
    static func envelope(
        model: String,
        responseID: String,
        promptTokens: Int,
        candidates: [JSON]?,
        promptFeedback: JSON? = nil,
        outputTokens: Int,
        thoughtsTokens: Int
    ) -> JSON {
        var usage: [(String, JSON)] = [("promptTokenCount", .number(Double(promptTokens)))]
        if outputTokens > 0 { usage.append(("candidatesTokenCount", .number(Double(outputTokens)))) }
        usage.append(("totalTokenCount", .number(Double(promptTokens + outputTokens + thoughtsTokens))))
        usage.append(
            ("promptTokensDetails", .array([.orderedObject([("modality", .string("TEXT")), ("tokenCount", .number(Double(promptTokens)))])]))
        )
        if thoughtsTokens > 0 { usage.append(("thoughtsTokenCount", .number(Double(thoughtsTokens)))) }
        var members: [(String, JSON)] = []
        if let candidates { members.append(("candidates", .array(candidates))) }
        if let promptFeedback { members.append(("promptFeedback", promptFeedback)) }
        members.append(("usageMetadata", .orderedObject(usage)))
        members.append(("modelVersion", .string(model)))
        members.append(("responseId", .string(responseID)))
        return .orderedObject(members)
    }

    static func safetyRatings(blocked: Bool) -> JSON {
        .array([
            .orderedObject([("category", .string("HARM_CATEGORY_SEXUALLY_EXPLICIT")), ("probability", .string("NEGLIGIBLE"))]),
            .orderedObject([("category", .string("HARM_CATEGORY_HATE_SPEECH")), ("probability", .string("NEGLIGIBLE"))]),
            .orderedObject([
                ("category", .string("HARM_CATEGORY_HARASSMENT")), ("probability", .string("HIGH")), ("blocked", .bool(blocked)),
            ]),
            .orderedObject([("category", .string("HARM_CATEGORY_DANGEROUS_CONTENT")), ("probability", .string("NEGLIGIBLE"))]),
        ])
    }

    /// 22 URL-safe characters derived from the prompt digest and the request's sequence number.
    static func responseID(digest: String, sequence: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var value = stableHash("\(digest)#\(sequence)")
        var second = stableHash("\(sequence)#\(digest)")
        var out = ""
        for index in 0..<22 {
            if index == 11 { value = second; second = 0 }
            out.append(alphabet[Int(value & 63)])
            value >>= 6
        }
        return out
    }

    /// `gemini-2.5-flash:generateContent` → (`gemini-2.5-flash`, `generateContent`).
    static func splitCall(_ call: String) -> (model: String, method: String) {
        guard let colon = call.lastIndex(of: ":") else { return (call, "") }
        return (String(call[..<colon]), String(call[call.index(after: colon)...]))
    }

    /// Replaces the value of any `key` query parameter, so a key sent in the URL is not kept.
    static func redactKey(_ query: String) -> String {
        query.split(separator: "&", omittingEmptySubsequences: false).map { item in
            item.hasPrefix("key=") ? "key=<redacted>" : String(item)
        }.joined(separator: "&")
    }

    // MARK: - Admin

    private func queueFault(_ incoming: Request) async throws -> Response {
        var request = incoming
        let bytes = try await request.collectBody(upTo: 64 * 1024)
        guard let body = JSON.parse(Data(bytes.readableBytesView)), let spec = body["fault"]?.string else {
            return GoogleError.response(status: 400, message: "Expected {\"fault\": \"...\", \"count\": N}.")
        }
        let count = body["count"]?.int ?? 1
        guard count >= 1, count <= 10_000 else {
            return GoogleError.response(status: 400, message: "count must be from 1 to 10000.")
        }
        do {
            let fault = try Fault(spec: spec)
            await state.enqueue(spec: spec, fault: fault, count: count)
        } catch {
            return GoogleError.response(status: 400, message: error.description)
        }
        return await listFaults()
    }

    private func listFaults() async -> Response {
        let faults = await state.queuedFaults.map { queued in
            JSON.orderedObject([("fault", .string(queued.spec)), ("remaining", .number(Double(queued.remaining)))])
        }
        return jsonResponse(status: 200, body: .object(["faults": .array(faults)]))
    }

    private func listRequests() async -> Response {
        let requests = await state.requests.map(\.json)
        let disconnects = await state.disconnectsMidStream
        return jsonResponse(
            status: 200,
            body: .object(["requests": .array(requests), "disconnectsMidStream": .number(Double(disconnects))])
        )
    }
}
