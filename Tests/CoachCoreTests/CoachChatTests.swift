import CareerProto
import CareerRPC
@testable import CoachCore
import Foundation
import GeminiAPI
import RPCRuntime
import ServiceRuntime
import TaskContract
import Testing
import TestSupport

/// Scripted conversations against the simulator, which calls a declared function when the last
/// user turn names it.
@Suite struct CoachChatTests {
    @Test func eachUIToolBecomesItsAction() async throws {
        try await withCoach { coach in
            let summary = try await coach.chat(chatRequest("Please updateProfessionalSummary for me"))
            #expect(!summary.action.updateSummary.newSummary.isEmpty)

            let resume = try await coach.chat(chatRequest("Here is the posting, navigateToResumeGenerator: Swift engineer at Acme"))
            #expect(!resume.action.navigateToResumeGenerator.jobDescription.isEmpty)

            let coffee = try await coach.chat(chatRequest("navigateToCoffeeChat with Grace from the Navy"))
            #expect(!coffee.action.navigateToCoffeeChat.counterpartInfo.isEmpty)
            #expect([Career_V1_CoffeeChatMode.prep, .reachOut].contains(coffee.action.navigateToCoffeeChat.mode))

            // The simulator calls without text: the coach still says what happens next.
            for answer in [summary, resume, coffee] {
                #expect(!answer.text.isEmpty)
                #expect(answer.model == ModelName.pro)
                #expect(answer.usage.totalTokens > 0)
                #expect(!answer.turnState.isEmpty)
            }
            #expect(summary.text == CoachToolCall.updateProfessionalSummary(newSummary: "x").nextStepText)
        }
    }

    @Test func aPlainAnswerHasTextAndNoAction() async throws {
        try await withCoach { coach in
            let answer = try await coach.chat(chatRequest("How do I prepare for a staff engineer interview?"))
            #expect(!answer.text.isEmpty)
            #expect(!answer.hasAction)
            #expect(!answer.turnState.isEmpty)
        }
    }

    @Test func whatReachesGeminiKeepsInstructionsAndDataApart() async throws {
        try await withCoach { coach in
            _ = try await coach.chat(chatRequest("What should I learn next?"))
            let body = try #require(try await coach.geminiRequests().last)
            let system = ((body["systemInstruction"] as? [String: Any])?["parts"] as? [[String: Any]])?.first?["text"] as? String ?? ""
            #expect(system.contains("career coach"))
            #expect(!system.contains("Ada"))
            let last = try #require((body["contents"] as? [[String: Any]])?.last)
            #expect(last["role"] as? String == "user")
            let texts = (last["parts"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
            #expect(texts.count == 2)
            #expect(texts.first?.contains("<candidate_profile>") == true)
            #expect(texts.first?.contains("Ada Lovelace") == true)
            #expect(texts.first?.contains("<recent_documents>") == true)
            #expect(texts.first?.contains("Babbage & Co") == true)
            #expect(texts.last == "What should I learn next?")
            let declarations = (body["tools"] as? [[String: Any]])?.first?["functionDeclarations"] as? [[String: Any]] ?? []
            #expect(Set(declarations.compactMap { $0["name"] as? String }) == Set(CoachTool.allCases.map(\.rawValue)))
        }
    }

    @Test func theCareerPathComesFromTheGenerationService() async throws {
        try await withCoach { coach in
            let answer = try await coach.chat(chatRequest("Please generateAndSaveCareerPath to engineering manager"))
            let saved = answer.action.saveCareerPath.careerPath
            let call = try #require(coach.generation.received.first)
            #expect(saved == FakeGeneration.path(for: call.request))
            #expect(call.request.profile == adaProfile)
            #expect(!call.request.currentRole.isEmpty && !call.request.targetRole.isEmpty)
            #expect(call.metadata["request-id"] == "req-1")
            #expect(call.metadata["user-id"] == "user-1")
            #expect(call.hadDeadline)
            // The chat's usage counts only the coach's own Gemini call.
            #expect(answer.usage.totalTokens > 0)
            #expect(answer.usage.totalTokens != saved.usage.totalTokens)
            #expect(!answer.text.isEmpty)
        }
    }

    @Test func theGenerationServiceDownIsAnsweredGracefully() async throws {
        try await withCoach(generationDown: true) { coach in
            let answer = try await coach.chat(chatRequest("Please generateAndSaveCareerPath to engineering manager"))
            #expect(!answer.hasAction)
            #expect(answer.text.contains("couldn't create your career path"))
            // The turn state tells the model on replay that the call was not performed.
            let state = try #require(coach.signer.verify(answer.turnState, userID: "user-1"))
            #expect(state.responses.first?.response["error"] != nil)
        }
    }

    @Test func aTurnStateReplaysTheFunctionCallAndItsThoughtSignature() async throws {
        try await withCoach { coach in
            let first = try await coach.chat(chatRequest("Please updateProfessionalSummary for me"))
            let original = try #require(coach.signer.verify(first.turnState, userID: "user-1"))
            let originalCall = try #require(original.content.parts.first { $0.functionCall != nil })
            #expect(originalCall.thoughtSignature?.isEmpty == false)

            let history = [turn(.user, "Please updateProfessionalSummary for me"), turn(.model, first.text, state: first.turnState, action: first.action)]
            _ = try await coach.chat(chatRequest("Thanks, that reads well.", history: history))
            let replayed = parts(try #require(try await coach.geminiRequests().last))
            let call = try #require(replayed.first { $0["functionCall"] != nil })
            #expect((call["functionCall"] as? [String: Any])?["name"] as? String == "updateProfessionalSummary")
            #expect(call["thoughtSignature"] as? String == originalCall.thoughtSignature)
            let response = try #require(replayed.first { $0["functionResponse"] != nil })
            #expect((response["functionResponse"] as? [String: Any])?["name"] as? String == "updateProfessionalSummary")
            // The function response is a user turn of its own (Gemini refuses text beside it);
            // the new message follows in the next user turn.
            let request = try #require(try await coach.geminiRequests().last)
            let contents = request["contents"] as? [[String: Any]] ?? []
            let responseTurn = try #require(contents.firstIndex { (($0["parts"] as? [[String: Any]]) ?? []).contains { $0["functionResponse"] != nil } })
            #expect(contents[responseTurn]["role"] as? String == "user")
            #expect((contents[responseTurn]["parts"] as? [[String: Any]])?.count == 1)
            #expect(contents[responseTurn - 1]["role"] as? String == "model")
            let next = (contents.last?["parts"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
            #expect(contents.count == responseTurn + 2 && next.contains("Thanks, that reads well."))
        }
    }

    @Test func aTamperedOrForeignTurnStateIsIgnored() async throws {
        try await withCoach { coach in
            let first = try await coach.chat(chatRequest("Please updateProfessionalSummary for me"))
            var pieces = first.turnState.split(separator: ".").map(String.init)
            pieces[1] = String(pieces[1].dropLast(2)) + (pieces[1].hasSuffix("AA") ? "BB" : "AA")
            let tampered = pieces.joined(separator: ".")
            let foreign = TurnStateSigner.random().sign(try #require(coach.signer.verify(first.turnState, userID: "user-1")), userID: "user-1")
            for (state, user) in [(tampered, "user-1"), (foreign, "user-1"), (first.turnState, "user-2"), ("garbage", "user-1")] {
                let history = [turn(.user, "Please updateProfessionalSummary"), turn(.model, "Here is a new summary.", state: state, action: first.action)]
                let answer = try await coach.chat(chatRequest("Thanks!", history: history), userID: user)
                #expect(!answer.text.isEmpty)
                let replayed = parts(try #require(try await coach.geminiRequests().last))
                #expect(!replayed.contains { $0["functionCall"] != nil || $0["thoughtSignature"] != nil })
                // Replayed from its text and action instead.
                let texts = replayed.compactMap { $0["text"] as? String }
                #expect(texts.contains { $0.contains("Here is a new summary.") && $0.contains("I proposed this new professional summary") })
            }
        }
    }

    @Test func historyOverTheBoundsIsRefused() async throws {
        try await withCoach { coach in
            let tooMany = (0...InputLimits.maxHistoryTurns).map { turn($0 % 2 == 0 ? .user : .model, "turn \($0)") }
            let error = await #expect(throws: RPCError.self) { try await coach.chat(chatRequest("Hi", history: tooMany)) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.fieldViolations.map(\.field) == ["history"])

            let big = String(repeating: "s", count: InputLimits.maxTurnStateLength)
            let tooLarge = (0..<6).map { _ in turn(.model, "", state: big) }
            let sizeError = await #expect(throws: RPCError.self) { try await coach.chat(chatRequest("Hi", history: tooLarge)) }
            #expect(sizeError?.code == .invalidArgument)
            #expect(sizeError?.fieldViolations.map(\.field) == ["history"])
            let recorded = try await coach.geminiRequests()
            #expect(recorded.isEmpty)
        }
    }

    @Test func badRequestsNameEveryField() async throws {
        try await withCoach { coach in
            var request = chatRequest(" ", history: [turn(.user, "hi", state: "x"), turn(.unspecified, "?")])
            request.clearProfile()
            let error = await #expect(throws: RPCError.self) { try await coach.chat(request) }
            #expect(error?.fieldViolations.map(\.field) == ["message", "history[0].turnState", "history[1].role", "profile"])
        }
    }

    @Test func streamingSendsTextThenTheActionThenTheAnswer() async throws {
        try await withCoach { coach in
            let plain = try await coach.stream(chatRequest("Tell me how to grow as an engineer"))
            #expect(plain.count >= 2)
            let deltas = plain.dropLast().map { event -> String in
                guard case .delta(let delta)? = event.event else { Issue.record("expected a delta"); return "" }
                return delta.text
            }
            guard case .done(let done)? = plain.last?.event else { Issue.record("the stream must end with done"); return }
            #expect(deltas.joined().trimmingCharacters(in: .whitespacesAndNewlines) == done.text)
            #expect(!done.hasAction)

            let withPath = try await coach.stream(chatRequest("Please generateAndSaveCareerPath to engineering manager"))
            let kinds = withPath.map { event -> String in
                switch event.event {
                case .delta?: return "delta"
                case .action?: return "action"
                case .done?: return "done"
                case nil: return "none"
                }
            }
            #expect(kinds == ["delta", "action", "done"])
            guard withPath.count == 3, case .action(let action)? = withPath[1].event, case .done(let final)? = withPath[2].event else { return }
            #expect(action.saveCareerPath.careerPath.path.isEmpty == false)
            #expect(final.action == action)
            #expect(!final.text.isEmpty)
        }
    }

    @Test func anOverloadedProAnswersFromFlashAndSaysSo() async throws {
        try await withCoach { coach in
            try await coach.queueFault("status=503", count: GeminiRetryPolicy().maxRetries + 1)
            let answer = try await coach.chat(chatRequest("How do I ask for a promotion?"))
            #expect(answer.model == ModelName.flash)
            #expect(!answer.text.isEmpty)
        }
    }
}
