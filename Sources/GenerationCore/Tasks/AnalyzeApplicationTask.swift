import CareerProto
import GeminiAPI
import GenerationTasks
import JSONText
import NIOCore
import RPCRuntime
import ServiceRuntime
import TaskContract

/// `AnalyzeApplication`: how well a candidate (a profile or a resume's text) fits a job, on pro.
struct AnalyzeApplicationTask: Sendable {
    let runner: ModelRunner
    let systemInstruction: String
    var model = ModelName.pro
    /// Thinking tokens: 1,024 (weighing a candidate against a job is reasoning work).
    static let thinkingBudget = 1_024
    /// Answer tokens, thinking included: 8,192 (three Markdown sections and a keyword list).
    static let maxOutputTokens = 8_192

    static let schema: JSONValue = Schema.object([
        "fitScore": Schema.integer(minimum: 0, maximum: 100),
        "gapAnalysis": Schema.string,
        "keywordOptimization": Schema.string,
        "impactEnhancer": Schema.string,
        "missingKeywords": Schema.array(of: Schema.string),
    ])

    func generateContentRequest(_ request: Career_V1_AnalyzeApplicationRequest) throws -> GenerateContentRequest {
        try RequestShapes.analyzeApplication.checkOnArrival(request)

        var data = UserData()
        data.add("job_description", request.jobDescription)
        switch request.candidate {
        case .profile(let profile): data.add(profile: profile)
        case .resumeText(let text): data.add("candidate_resume", text)
        case nil: break
        }
        return .structured(
            system: self.systemInstruction, data: data, schema: Self.schema,
            temperature: 0.3, thinkingBudget: Self.thinkingBudget, maxOutputTokens: Self.maxOutputTokens
        )
    }

    func run(_ request: Career_V1_AnalyzeApplicationRequest, context: ServerCallContext) async throws -> Career_V1_AnalyzeApplicationResponse {
        let generateRequest = try self.generateContentRequest(request)
        let answer = try await self.runner.generateJSON(
            model: self.model, request: generateRequest, schema: Self.schema, deadline: callDeadline(context)
        ) { json -> Career_V1_AnalyzeApplicationResponse in
            let sections = ["gapAnalysis", "keywordOptimization", "impactEnhancer"].map { json[$0]?.stringValue ?? "" }
            guard sections.allSatisfy({ !$0.isBlank }) else {
                throw GeminiError.malformedModelOutput("an analysis section is empty")
            }
            return .with {
                $0.fitScore = Int32(json["fitScore"]?.numberValue ?? 0)
                $0.gapAnalysis = sections[0]
                $0.keywordOptimization = sections[1]
                $0.impactEnhancer = sections[2]
                var seen = Set<String>()
                $0.missingKeywords = (json["missingKeywords"]?.arrayValue ?? [])
                    .compactMap { $0.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) }
                    .filter { !$0.isEmpty && seen.insert($0.lowercased()).inserted }
            }
        }
        var response = answer.value
        response.model = answer.model
        response.usage = answer.usage.proto
        return response
    }
}
