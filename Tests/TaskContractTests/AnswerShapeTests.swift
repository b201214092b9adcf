import CareerProto
import Foundation
import GenerationTasks
import JSONText
import TaskContract
import Testing

/// Answers written by their shapes: every member there, in the shape's order, enums as the
/// API's words, `null` where the shape says so; and the schema the same shape writes.
@Suite struct AnswerShapeTests {
    @Test func everyMemberIsWrittenInTheShapesOrder() throws {
        var answer = Career_V1_InterviewQuestionsResponse()
        answer.questions = [.with { $0.question = "Why?"; $0.type = .technical }, .with { $0.question = "How?" }]
        answer.model = "gemini-2.5-flash"
        #expect(answer.jsonValue.jsonString() == #"{"questions":[{"question":"Why?","type":"technical","why":""},{"question":"How?","type":"behavioral","why":""}],"model":"gemini-2.5-flash","usage":{"promptTokens":0,"outputTokens":0,"thoughtsTokens":0,"totalTokens":0}}"#)
    }

    @Test func anEmptyMemberMarkedSoIsNull() {
        var answer = Career_V1_GenerateDocumentsResponse()
        answer.coverLetter = "Dear team"
        let json = answer.jsonValue
        #expect(json["resume"] == .null && json["coverLetter"] == "Dear team" && json["warnings"] == [])
    }

    @Test func theSchemaRequiresEveryMemberAndNamesNestedShapes() {
        var components: [(key: String, value: JSONValue)] = []
        let documents = Career_V1_GenerateDocumentsResponse.answerSchema(saved: true, components: &components)
        #expect(documents["required"] == ["resume", "coverLetter", "warnings", "model", "usage"])
        #expect(documents["properties"]?["resume"]?["type"] == ["string", "null"])
        #expect(documents["properties"]?["resultId"] != nil && documents["additionalProperties"] == false)

        let parsed = Career_V1_ParseProfileResponse.answerSchema(saved: false, components: &components)
        #expect(parsed["properties"]?["resultId"] == nil)
        let profile = components.first { $0.key == "ProfileAnswer" }?.value
        #expect(profile?["required"]?.arrayValue?.count == 25)
        #expect(components.contains { $0.key == "ExperienceAnswer" })
    }

    @Test func anAnswerSentBackIsReadLeniently() throws {
        let input = Shape.object(Career_V1_CareerPathResponse.answerShape).readingSentBack
        guard case .object(let object) = input else { Issue.record("not an object"); return }
        #expect(object.properties.allSatisfy { !$0.required })
        #expect(try ShapeReader.check(["path": [["timeframe": "Year 1"]]], object) == ["path": [["timeframe": "Year 1"]]])
        let long = String(repeating: "a", count: InputLimits.maxProfileStringLength + 1)
        #expect(throws: RequestValidationError.self) { try ShapeReader.check(["currentRole": .string(long)], object) }
        #expect(throws: RequestValidationError.self) { try ShapeReader.check(["extra": 1], object) }
    }
}
