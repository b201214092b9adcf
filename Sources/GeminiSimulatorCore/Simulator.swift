import Foundation
import Hummingbird
import JSONText

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
        router.get("/healthz") { _, _ in jsonResponse(status: 200, body: ["status": "ok"]) }
        router.post("/simulator/faults") { request, _ in try await self.queueFault(request) }
        router.get("/simulator/faults") { _, _ in await self.listFaults() }
        router.delete("/simulator/faults") { _, _ in
            await self.state.clearFaults()
            return jsonResponse(status: 200, body: [:])
        }
        router.get("/simulator/requests") { _, _ in await self.listRequests() }
        router.get("/simulator/stats") { _, _ in jsonResponse(status: 200, body: await self.state.stats) }
        router.delete("/simulator/requests") { _, _ in
            await self.state.clearRequests()
            return jsonResponse(status: 200, body: [:])
        }
    }

    // MARK: - generateContent

    private func generate(_ incoming: Request, call: String) async throws -> Response {
        var request = incoming
        let (model, method) = Self.splitCall(call)
        let headers = IncomingHeaders(request.headers)

        let bodyBytes: ByteBuffer
        do {
            bodyBytes = try await request.collectBody(upTo: configuration.maxRequestBytes)
        } catch {
            return GoogleError.response(status: 400, message: "Request payload size exceeds the limit: \(configuration.maxRequestBytes) bytes.")
        }
        let bodyData = Data(bodyBytes.readableBytesView)
        // The strict parser: several times faster than `JSONDecoder` into a free-form value,
        // which dominated the simulator's profile. A repeated key counts with its last value.
        let parsedBody = try? JSONValue(parsing: bodyData)

        // The header's fault applies to this request alone; without one, the next queued fault.
        let fault: (spec: String, fault: Fault)?
        if let spec = headers.faultSpec {
            do {
                fault = (spec, try Fault(spec: spec))
            } catch {
                return GoogleError.response(status: 400, message: "x-simulator-fault: \(error.description)")
            }
        } else {
            fault = await state.takeFault()
        }

        let sequence = await state.record(
            SimulatorState.RecordedRequest(
                sequence: 0,
                method: request.method.rawValue,
                path: request.uri.path,
                query: request.uri.query.map(Self.redactKey),
                model: model,
                headers: headers.recorded,
                apiKeyPresent: headers.apiKey != nil,
                apiKeyValid: headers.apiKey == configuration.apiKey,
                fault: fault?.spec,
                body: parsedBody ?? .string(String(decoding: bodyData.prefix(64 * 1024), as: UTF8.self))
            )
        )

        let response = await respond(
            model: model,
            method: method,
            query: request.uri.query,
            apiKey: headers.apiKey,
            body: parsedBody,
            fault: fault?.fault ?? Fault(),
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
        body: JSONValue?,
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
        guard let body, body.objectValue != nil else {
            return GoogleError.response(status: 400, message: "Invalid JSON payload received. Unexpected token.")
        }
        let unknown = RequestShape.unknownFields(in: body)
        if !unknown.isEmpty {
            return GoogleError.unknownFields(unknown)
        }
        guard let contents = body["contents"]?.arrayValue, !contents.isEmpty else {
            return GoogleError.response(status: 400, message: "* GenerateContentRequest.contents: contents is not specified\n")
        }
        if model == "gemini-2.5-pro", body["generationConfig"]?["thinkingConfig"]?["thinkingBudget"]?.intValue == 0 {
            return GoogleError.response(status: 400, message: "Budget 0 is invalid. This model only works in thinking mode.")
        }
        if fault.hang {
            return await hang(requestBody)
        }
        if method == "streamGenerateContent" {
            let sse = (query ?? "").split(separator: "&").contains("alt=sse")
            return streamAnswer(model: model, body: body, fault: fault, sequence: sequence, sse: sse, requestBody: requestBody)
        }
        return answer(model: model, body: body, fault: fault, sequence: sequence)
    }

    /// The `hang` fault: held until the client closes its connection (Hummingbird does not cancel
    /// a handler for that by itself) or the limit passes; 499 records that the client gave up.
    private func hang(_ requestBody: RequestBody) async -> Response {
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

    // MARK: - The answer

    /// The whole answer in one response (`StreamAnswer.swift` sends the same in chunks).
    private func answer(model: String, body: JSONValue, fault: Fault, sequence: Int) -> Response {
        let builder = AnswerBuilder(model: model, request: body, fault: fault)
        let envelope = ResponseEnvelope(model: model, builder: builder, sequence: sequence)
        if fault.malformedJSON {
            return jsonResponse(status: 200, text: "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Simulated answer cut off")
        }
        return jsonResponse(status: 200, body: Self.answerBody(builder: builder, fault: fault, envelope: envelope))
    }

    static func answerBody(builder: AnswerBuilder, fault: Fault, envelope: ResponseEnvelope) -> JSONValue {
        if fault.safetyBlock {
            return envelope(candidates: nil, promptFeedback: blockedPromptFeedback, outputTokens: 0, thoughtsTokens: 0)
        }
        if fault.noCandidates {
            return envelope(candidates: nil, outputTokens: 0, thoughtsTokens: 0)
        }
        let thoughtsTokens = builder.thoughtsTokens
        if let reason = fault.finishReason, blockingFinishReasons.contains(reason) {
            var candidate: [JSONValue.Member] = [("finishReason", .string(reason)), ("index", .integer(0))]
            if reason == "SAFETY" { candidate.append(("safetyRatings", safetyRatings(blocked: true))) }
            return envelope(candidates: [.object(candidate)], outputTokens: 0, thoughtsTokens: thoughtsTokens)
        }
        if fault.empty {
            return envelope(candidates: [emptyCandidate], outputTokens: 0, thoughtsTokens: thoughtsTokens)
        }

        var parts: [JSONValue] = []
        if builder.includeThoughts, thoughtsTokens > 0 { parts.append(thoughtPart(builder)) }
        let output = ModelOutput(builder: builder, fault: fault, thoughtsTokens: thoughtsTokens)
        switch output.content {
        case .functionCall(let part): parts.append(part)
        case .text(let text): parts.append(textPart(text))
        }
        return envelope(
            candidates: [candidate(parts: parts, finishReason: output.finishReason)],
            outputTokens: tokenCount(output.countedText),
            thoughtsTokens: thoughtsTokens
        )
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
        guard let body = try? JSONValue(parsing: Data(bytes.readableBytesView)), let spec = body["fault"]?.stringValue else {
            return GoogleError.response(status: 400, message: "Expected {\"fault\": \"...\", \"count\": N}.")
        }
        let count = body["count"]?.intValue ?? 1
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
            JSONValue.object([("fault", .string(queued.spec)), ("remaining", .integer(queued.remaining))])
        }
        return jsonResponse(status: 200, body: ["faults": .array(faults)])
    }

    private func listRequests() async -> Response {
        let requests = await state.requests.map(\.json)
        let disconnects = await state.disconnectsMidStream
        return jsonResponse(
            status: 200,
            body: ["disconnectsMidStream": .integer(disconnects), "requests": .array(requests)]
        )
    }
}

/// What the simulator reads from a generate request's headers, and the headers as it records
/// them: the key's value and any `Authorization` redacted.
struct IncomingHeaders {
    /// `x-goog-api-key`, the only place Gemini takes the key from.
    var apiKey: String?
    /// `x-simulator-fault`.
    var faultSpec: String?
    var recorded: [(String, String)] = []

    init(_ fields: HTTPFields) {
        for field in fields {
            let name = field.name.canonicalName
            switch name {
            case "x-goog-api-key":
                self.apiKey = field.value
                self.recorded.append((name, "<redacted>"))
            case "authorization":
                self.recorded.append((name, "<redacted>"))
            case "x-simulator-fault":
                self.faultSpec = field.value
                self.recorded.append((name, field.value))
            default:
                self.recorded.append((name, field.value))
            }
        }
    }
}
