import CareerProto
import GeminiAPI
import GenerationTasks
import NIOCore
import RPCRuntime
import ServiceRuntime
import TaskContract

/// `GenerateDocuments`: a resume and/or a cover letter tailored to a job, on flash, or on pro
/// with `thinkingMode`. Each document is its own Gemini call, and the two run at the same time.
/// The resume then goes through the honesty check (``DocumentGrounding``): when it names an
/// employer, school or certification the profile does not have, it is written once more with a
/// note saying which; whatever is still unsupported is named in `warnings`.
///
/// Streamed (`StreamDocuments`), both documents are written at once and their text arrives as
/// deltas tagged with the document. A resume that has to be written again after the honesty
/// check is not streamed a second time: the final `done` message carries the revised resume,
/// which replaces the streamed draft (the same answer the unary call returns), and `warnings`
/// then says so. Otherwise a document's deltas add up to its text in `done`, byte for byte.
struct GenerateDocumentsTask: Sendable {
    /// Receives a document's text as the model writes it.
    typealias TextSink = @Sendable (String) async throws -> Void
    /// One model call that writes one document, streaming its text to the sink when there is
    /// one; the model runner in the service, a script in tests.
    typealias Writer = @Sendable (_ model: String, _ request: GenerateContentRequest, _ deadline: NIODeadline, _ onText: TextSink?) async throws -> ModelAnswer<String>

    let write: Writer
    let resumeInstruction: String
    let coverLetterInstruction: String
    var flashModel = ModelName.flash
    var thinkingModel = ModelName.pro

    init(runner: ModelRunner, resumeInstruction: String = DocumentsTask.resumeInstruction, coverLetterInstruction: String = DocumentsTask.coverLetterInstruction) {
        self.init(
            write: { model, request, deadline, onText in
                if let onText {
                    try await runner.streamText(model: model, request: request, deadline: deadline, onText: onText)
                } else {
                    try await runner.generateText(model: model, request: request, deadline: deadline)
                }
            },
            resumeInstruction: resumeInstruction, coverLetterInstruction: coverLetterInstruction)
    }

    init(write: @escaping Writer, resumeInstruction: String, coverLetterInstruction: String) {
        self.write = write
        self.resumeInstruction = resumeInstruction
        self.coverLetterInstruction = coverLetterInstruction
    }

    enum Document: Sendable, Hashable {
        case resume
        case coverLetter

        var kind: Career_V1_DocumentKind {
            switch self {
            case .resume: .resume
            case .coverLetter: .coverLetter
            }
        }
    }

    // MARK: The request

    /// The documents asked for, resume first.
    static func documents(_ options: Career_V1_DocumentOptions) -> [Document] {
        switch options.documents {
        case .resumeOnly: [.resume]
        case .coverLetterOnly: [.coverLetter]
        default: [.resume, .coverLetter]
        }
    }

    func model(_ options: Career_V1_DocumentOptions) -> String {
        options.thinkingMode ? self.thinkingModel : self.flashModel
    }

    /// The Gemini request for one document; `unsupported` names what a previous draft invented.
    func generateContentRequest(
        _ document: Document, for request: Career_V1_GenerateDocumentsRequest, unsupported: [DocumentGrounding.Issue] = []
    ) -> GenerateContentRequest {
        let options = request.options
        var data = UserData()
        data.add("job_description", options.jobDescription)
        data.add(profile: request.profile)
        data.add("document_preferences", Self.preferences(document, options))
        // The uploaded document of the same kind, as a style example only.
        switch document {
        case .resume where !options.uploadedResume.isBlank:
            data.add("style_example_resume", options.uploadedResume)
        case .coverLetter where !options.uploadedCoverLetter.isBlank:
            data.add("style_example_cover_letter", options.uploadedCoverLetter)
        default:
            break
        }
        if !unsupported.isEmpty {
            data.add("revision_note", unsupported.map { "- \($0.kind.rawValue): \($0.name)" }.joined(separator: "\n"))
        }
        let budget = options.thinkingMode ? DocumentsTask.proThinkingBudget : DocumentsTask.flashThinkingBudget
        let output = document == .resume ? DocumentsTask.resumeOutputTokens : DocumentsTask.coverLetterOutputTokens
        return .text(
            system: document == .resume ? self.resumeInstruction : self.coverLetterInstruction, data: data,
            temperature: 0.6, thinkingBudget: budget, maxOutputTokens: budget + output
        )
    }

    /// The options that shape one document, one per line; the user's free text (length, tone)
    /// stays inside the data block.
    static func preferences(_ document: Document, _ options: Career_V1_DocumentOptions) -> String {
        var lines: [String] = []
        switch document {
        case .resume:
            lines.append("Length: " + (options.resumeLength.isBlank ? "default (one page; two at most for a long career)" : options.resumeLength))
            lines.append("Professional summary: " + (options.excludeSummary ? "leave it out" : "include it"))
        case .coverLetter:
            lines.append("Length: " + (options.coverLetterLength.isBlank ? "default (three to four paragraphs, under 400 words)" : options.coverLetterLength))
        }
        lines.append("Tone: " + (options.tone.isBlank ? "default (professional)" : options.tone))
        let technicality: Int32
        if case .technicality(let value)? = options.technicalityChoice { technicality = value } else { technicality = DocumentsTask.defaultTechnicality }
        lines.append("Technicality: \(technicality) of 100")
        return lines.joined(separator: "\n")
    }

    // MARK: Running it

    func run(_ request: Career_V1_GenerateDocumentsRequest, context: ServerCallContext) async throws -> Career_V1_GenerateDocumentsResponse {
        try await self.answer(request, deadline: callDeadline(context), onDelta: nil)
    }

    /// The streamed variant: deltas tagged with their document, then `done` with what
    /// ``run(_:context:)`` would have answered.
    func stream(
        _ request: Career_V1_GenerateDocumentsRequest, writer: ResponseWriter<Career_V1_DocumentsStreamEvent>, context: ServerCallContext
    ) async throws {
        let response = try await self.answer(request, deadline: callDeadline(context)) { document, text in
            try await writer.write(.with {
                $0.delta = .with {
                    $0.document = document.kind
                    $0.text = text
                }
            })
        }
        try await writer.write(.with { $0.done = response })
    }

    func answer(
        _ request: Career_V1_GenerateDocumentsRequest,
        deadline: NIODeadline,
        onDelta: (@Sendable (Document, String) async throws -> Void)?
    ) async throws -> Career_V1_GenerateDocumentsResponse {
        try DocumentsTask.request.checkOnArrival(request)
        let model = self.model(request.options)
        // Both documents at once: they are independent calls, and the answer waits for the slower.
        let drafts = try await withThrowingTaskGroup(of: (Document, Draft).self) { group in
            for document in Self.documents(request.options) {
                var onText: TextSink?
                if let onDelta {
                    onText = { @Sendable text in try await onDelta(document, text) }
                }
                group.addTask { (document, try await self.draft(document, for: request, model: model, deadline: deadline, onText: onText)) }
            }
            var drafts: [Document: Draft] = [:]
            for try await (document, draft) in group { drafts[document] = draft }
            return drafts
        }
        return Self.response(drafts, requestedModel: model)
    }

    /// One document with what it cost; for the resume, after the honesty check.
    struct Draft: Sendable {
        var text: String
        /// Every model that answered, in order.
        var models: [String]
        var usage: GeminiUsage
        var issues: [DocumentGrounding.Issue] = []
        /// What made a first draft be written again; empty when it was kept.
        var revisedFor: [DocumentGrounding.Issue] = []

        /// This draft's `warnings` entries: what it still names without support, or, when a
        /// rewrite fixed everything, a note that it was rewritten. So `warnings` is never empty
        /// when the answer's resume differs from the text that was streamed.
        var warnings: [String] {
            if !self.issues.isEmpty { return self.issues.map(\.warning) }
            guard !self.revisedFor.isEmpty else { return [] }
            let names = self.revisedFor.map(\.name).joined(separator: ", ")
            return ["The resume was rewritten because a first draft named what the profile does not support (\(names)); this version replaces any text streamed before it."]
        }
    }

    func draft(
        _ document: Document, for request: Career_V1_GenerateDocumentsRequest, model: String, deadline: NIODeadline, onText: TextSink? = nil
    ) async throws -> Draft {
        let first = try await self.write(model, self.generateContentRequest(document, for: request), deadline, onText)
        var draft = Draft(text: first.value, models: [first.model], usage: first.usage)
        guard document == .resume else { return draft }
        let grounding = DocumentGrounding(profile: request.profile)
        let issues = grounding.issues(in: draft.text)
        guard !issues.isEmpty else { return draft }
        // Once more, saying what was unsupported; what the second draft still has is reported.
        // Not streamed: the final answer carries it.
        let second = try await self.write(model, self.generateContentRequest(document, for: request, unsupported: issues), deadline, nil)
        draft.text = second.value
        draft.models.append(second.model)
        draft.usage += second.usage
        draft.issues = grounding.issues(in: second.value)
        draft.revisedFor = issues
        return draft
    }

    /// The answer from the drafts: usage summed over every call; the model that answered, which
    /// is the fallback model when any call fell back.
    static func response(_ drafts: [Document: Draft], requestedModel: String) -> Career_V1_GenerateDocumentsResponse {
        let all = [drafts[.resume], drafts[.coverLetter]].compactMap { $0 }
        let models = all.flatMap(\.models)
        return .with {
            $0.resume = drafts[.resume]?.text ?? ""
            $0.coverLetter = drafts[.coverLetter]?.text ?? ""
            $0.warnings = all.flatMap(\.warnings)
            $0.model = models.first { $0 != requestedModel } ?? requestedModel
            $0.usage = all.reduce(GeminiUsage.zero) { $0 + $1.usage }.proto
        }
    }
}
