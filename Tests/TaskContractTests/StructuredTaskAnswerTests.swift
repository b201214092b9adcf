import CareerProto
import GenerationTasks
import JSONText
import TaskContract
import Testing

/// What each structured task refuses in a model answer that its response schema cannot: the
/// runner turns the refusal into one more try, then `MALFORMED_MODEL_OUTPUT`.
@Suite struct StructuredTaskAnswerTests {
    @Test func anAnalysisWithAnEmptySectionIsMalformed() throws {
        let answer: JSONValue = ["fitScore": 70, "gapAnalysis": "g", "keywordOptimization": "  ", "impactEnhancer": "i", "missingKeywords": ["Go", "go", " "]]
        #expect(throws: MalformedAnswer.self) { try AnalyzeApplicationTask.definition.answer(answer, .init()) }
        let good: JSONValue = ["fitScore": 70, "gapAnalysis": "g", "keywordOptimization": "k", "impactEnhancer": "i", "missingKeywords": ["Go", "go", " "]]
        let read = try AnalyzeApplicationTask.definition.answer(good, .init())
        #expect(read.fitScore == 70 && read.missingKeywords == ["Go"])
    }

    @Test func aMilestoneWithoutATitleIsMalformed() throws {
        let answer: JSONValue = ["path": [["timeframe": "Year 1", "milestoneTitle": " ", "milestoneDescription": "d", "actionItems": []]]]
        #expect(throws: MalformedAnswer.self) { try PlanCareerPathTask.definition.answer(answer, .init()) }
        let request = Career_V1_CareerPathRequest.with { $0.currentRole = " Engineer "; $0.targetRole = "CTO" }
        let good: JSONValue = ["path": [["timeframe": "Year 1", "milestoneTitle": "Lead", "milestoneDescription": "d", "actionItems": []]]]
        let read = try PlanCareerPathTask.definition.answer(good, request)
        #expect(read.currentRole == " Engineer " && read.targetRole == "CTO" && read.path.map(\.milestoneTitle) == ["Lead"])
    }

    @Test func anEmptyQuestionIsMalformed() throws {
        let answer: JSONValue = ["questions": [["question": "\n", "type": "technical", "why": "w"]]]
        #expect(throws: MalformedAnswer.self) { try InterviewQuestionsTask.definition.answer(answer, .init()) }
        let good: JSONValue = ["questions": [["question": "Why Swift?", "type": "technical", "why": "w"]]]
        #expect(try InterviewQuestionsTask.definition.answer(good, .init()).questions.map(\.type) == [.technical])
    }

    @Test func aProfileThatIsNotOneIsMalformed() {
        #expect(throws: MalformedAnswer.self) { try ParseProfileTask.definition.answer(["fullName": 5], .init()) }
    }
}
