import CareerProto
import CareerRPC
import GeminiAPI
import GenerationTasks
@testable import GenerationCore
import NIOCore
import RPCRuntime
import ServiceRuntime
import Testing
import TestSupport

private func documentsRequest(_ change: (inout Career_V1_DocumentOptions) -> Void = { _ in }) -> Career_V1_GenerateDocumentsRequest {
    .with {
        $0.profile = adaProfile
        $0.options = .with {
            $0.jobDescription = "Staff engineer at Initech. Kubernetes, Go."
            change(&$0)
        }
    }
}

@Suite struct GenerateDocumentsOverTheRPCTests {
    @Test func bothDocumentsWithUsageSummedOverBothCalls() async throws {
        try await withGenerationClient { client, runner, simulator in
            let request = documentsRequest {
                $0.tone = "confident"
                $0.technicality = 80
                $0.uploadedResume = "Jane Doe — Globex Corporation, 2010–2020"
            }
            let answer = try await client.unary(GenerationMethods.generateDocuments, request, deadline: .now() + .seconds(10))
            #expect(!answer.resume.isEmpty)
            #expect(!answer.coverLetter.isEmpty)
            #expect(answer.warnings.isEmpty)
            #expect(answer.model == ModelName.flash)

            let recorded = try await recordedGenerates(simulator)
            #expect(recorded.map(\.model) == [ModelName.flash, ModelName.flash])
            #expect(recorded.allSatisfy { $0.thinkingBudget == DocumentsTask.flashThinkingBudget && !$0.wantsJSON })
            let resumeCall = try #require(recorded.first { $0.systemInstruction.contains("resume writer") })
            let letterCall = try #require(recorded.first { $0.systemInstruction.contains("cover letter writer") })
            #expect(resumeCall.userText.contains("<style_example_resume>\nJane Doe"))
            #expect(!letterCall.userText.contains("style_example"))
            #expect(resumeCall.userText.contains("Tone: confident") && resumeCall.userText.contains("Technicality: 80 of 100"))
            #expect(resumeCall.userText.contains("Professional summary: include it"))

            // The simulator answers the same request the same way: the usage is the two calls'.
            let task = GenerateDocumentsTask(runner: runner)
            let deadline = NIODeadline.now() + .seconds(10)
            let resume = try await runner.generateText(model: ModelName.flash, request: task.generateContentRequest(.resume, for: request), deadline: deadline)
            let letter = try await runner.generateText(model: ModelName.flash, request: task.generateContentRequest(.coverLetter, for: request), deadline: deadline)
            #expect(answer.usage == (resume.usage + letter.usage).proto)
            #expect(answer.resume == resume.value)
        }
    }

    @Test func onlyTheRequestedDocumentIsWritten() async throws {
        try await withGenerationClient { client, _, simulator in
            let letterOnly = try await client.unary(GenerationMethods.generateDocuments, documentsRequest { $0.documents = .coverLetterOnly; $0.excludeSummary = true })
            #expect(letterOnly.resume.isEmpty)
            #expect(!letterOnly.coverLetter.isEmpty)
            var recorded = try await recordedGenerates(simulator)
            #expect(recorded.count == 1)
            #expect(recorded.first?.systemInstruction.contains("cover letter writer") == true)

            let resumeOnly = try await client.unary(GenerationMethods.generateDocuments, documentsRequest { $0.documents = .resumeOnly; $0.excludeSummary = true })
            #expect(!resumeOnly.resume.isEmpty)
            #expect(resumeOnly.coverLetter.isEmpty)
            recorded = try await recordedGenerates(simulator)
            #expect(recorded.count == 2)
            #expect(recorded.last?.userText.contains("Professional summary: leave it out") == true)
        }
    }

    @Test func thinkingModeUsesPro() async throws {
        try await withGenerationClient { client, _, simulator in
            let answer = try await client.unary(GenerationMethods.generateDocuments, documentsRequest { $0.thinkingMode = true })
            #expect(answer.model == ModelName.pro)
            let recorded = try await recordedGenerates(simulator)
            #expect(recorded.map(\.model) == [ModelName.pro, ModelName.pro])
            #expect(recorded.allSatisfy {
                $0.thinkingBudget == DocumentsTask.proThinkingBudget && ($0.maxOutputTokens ?? 0) > DocumentsTask.proThinkingBudget + 2048
            })
        }
    }

    @Test func invalidRequestsNameEveryField() async throws {
        try await withGenerationClient { client, _, simulator in
            let fields = await invalidFields {
                _ = try await client.unary(GenerationMethods.generateDocuments, .with {
                    $0.options = .with {
                        $0.jobDescription = " "
                        $0.technicality = 101
                        $0.tone = String(repeating: "t", count: 101)
                    }
                })
            }
            #expect(fields == ["profile", "options.jobDescription", "options.tone", "options.technicality"])
            #expect(await invalidFields {
                _ = try await client.unary(GenerationMethods.generateDocuments, documentsRequest { $0.technicality = -1 })
            } == ["options.technicality"])
            let sent = try await recordedRequestCount(simulator)
            #expect(sent == 0)
        }
    }
}

/// Answers scripted per document, and a record of every call.
private actor Script {
    var resumes: [String]
    var calls: [(document: GenerateDocumentsTask.Document, model: String, userText: String)] = []
    /// The model that answers, when not the one asked for (a fallback).
    var answeringModel: String?

    init(resumes: [String], answeringModel: String? = nil) {
        self.resumes = resumes
        self.answeringModel = answeringModel
    }

    func answer(model: String, request: GenerateContentRequest) -> ModelAnswer<String> {
        let system = request.systemInstruction?.parts.first?.text ?? ""
        let userText = request.contents.last?.parts.first?.text ?? ""
        let document: GenerateDocumentsTask.Document = system == "RESUME" ? .resume : .coverLetter
        self.calls.append((document, model, userText))
        let text = document == .resume ? self.resumes.removeFirst() : "Dear hiring manager,\n\nAda"
        return ModelAnswer(value: text, model: self.answeringModel ?? model, usage: GeminiUsage(promptTokens: 100, outputTokens: 20, thoughtsTokens: 5, totalTokens: 125))
    }

    func task() -> GenerateDocumentsTask {
        GenerateDocumentsTask(write: { model, request, _, _ in await self.answer(model: model, request: request) }, resumeInstruction: "RESUME", coverLetterInstruction: "COVER")
    }
}

private let context = ServerCallContext(method: GenerationMethods.generateDocuments.path, metadata: [:], deadline: .now() + .seconds(10), logger: quietLogger)

private let honestResume = """
    # Ada Lovelace

    ## Experience
    ### Software Engineer | Analytical Engines
    London | 2019-01 – Present
    - Wrote the first published algorithm

    ## Education
    ### BSc Mathematics | University of London
    """

private let inventedResume = """
    # Ada Lovelace

    ## Experience
    ### Staff Engineer | Initech
    2015 – 2019
    ### Software Engineer | Analytical Engines

    ## Certifications
    - Certified Kubernetes Administrator
    """

@Suite struct GenerateDocumentsGroundingFlowTests {
    @Test func anHonestResumeIsWrittenOnce() async throws {
        let script = Script(resumes: [honestResume])
        let answer = try await script.task().run(documentsRequest(), context: context)
        #expect(answer.resume == honestResume)
        #expect(answer.warnings.isEmpty)
        #expect(await script.calls.count == 2)
        #expect(answer.usage.totalTokens == 250)
        #expect(answer.model == ModelName.flash)
    }

    @Test func anInventedEmployerIsRegeneratedOnceThenWarned() async throws {
        let script = Script(resumes: [inventedResume, inventedResume])
        let answer = try await script.task().run(documentsRequest(), context: context)
        let calls = await script.calls
        #expect(calls.filter { $0.document == .resume }.count == 2)
        #expect(calls.filter { $0.document == .coverLetter }.count == 1)
        // The second draft is told what the first invented.
        let second = try #require(calls.last { $0.document == .resume })
        #expect(second.userText.contains("<revision_note>\n- employer: Initech\n- certification: Certified Kubernetes Administrator\n</revision_note>"))
        #expect(answer.warnings == [
            "The resume names an employer that is not in the profile: Initech",
            "The resume names a certification that is not in the profile: Certified Kubernetes Administrator",
        ])
        #expect(answer.usage.totalTokens == 3 * 125)
        #expect(answer.usage.promptTokens == 300)
    }

    @Test func aFixedSecondDraftSaysOnlyThatItWasRewritten() async throws {
        let script = Script(resumes: [inventedResume, honestResume])
        let answer = try await script.task().run(documentsRequest { $0.documents = .resumeOnly }, context: context)
        #expect(answer.resume == honestResume)
        #expect(answer.coverLetter.isEmpty)
        // Not empty: a stream's resume deltas (the first draft) differ from this resume, and
        // `warnings` is how the frontend learns that the final text replaces them.
        #expect(answer.warnings == [
            "The resume was rewritten because a first draft named what the profile does not support (Initech, Certified Kubernetes Administrator); this version replaces any text streamed before it."
        ])
        #expect(await script.calls.count == 2)
        #expect(answer.usage.totalTokens == 250)
    }

    @Test func theCoverLetterIsNotChecked() async throws {
        let script = Script(resumes: [])
        let answer = try await script.task().run(documentsRequest { $0.documents = .coverLetterOnly }, context: context)
        #expect(answer.resume.isEmpty)
        #expect(!answer.coverLetter.isEmpty)
        #expect(await script.calls.map(\.document) == [.coverLetter])
    }

    @Test func aFallbackModelIsReported() async throws {
        let script = Script(resumes: [honestResume], answeringModel: ModelName.flash)
        let answer = try await script.task().run(documentsRequest { $0.thinkingMode = true }, context: context)
        #expect(await script.calls.allSatisfy { $0.model == ModelName.pro })
        #expect(answer.model == ModelName.flash)
    }
}
